ALTER TABLE subscriptions DROP COLUMN max_in_flight;
