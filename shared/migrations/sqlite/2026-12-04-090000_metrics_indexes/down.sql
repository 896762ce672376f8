DROP INDEX jobs_by_state;
DROP INDEX deliveries_backlog;
