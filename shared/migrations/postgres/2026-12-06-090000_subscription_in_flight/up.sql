-- How many deliveries of a subscription may be in flight at once; NULL keeps the
-- service-wide `events.per_subscription` (1 by default: in publication order). A
-- receiver that does not need the order (tasks, for accident events) can take more.
ALTER TABLE subscriptions ADD COLUMN max_in_flight INTEGER;
