-- What /metrics reads at every scrape, from indexes alone: each subscription's pending
-- and dead deliveries with its oldest event (never the delivered history), and the
-- number of jobs of each kind in each state.
CREATE INDEX deliveries_backlog ON deliveries (status, subscription_id, event_id);
CREATE INDEX jobs_by_state ON jobs (kind, status);
