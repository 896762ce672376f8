DROP TABLE inbox_events;
DROP TABLE deliveries;
DROP TABLE subscriptions;
DROP TABLE outbox_events;
