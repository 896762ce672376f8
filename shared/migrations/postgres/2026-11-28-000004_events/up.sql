-- Transactional outbox: a write and the events it causes commit together; the
-- dispatcher delivers them afterwards, at least once, to every subscriber.
CREATE TABLE outbox_events (
    id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    source TEXT NOT NULL,
    subject TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    data TEXT NOT NULL
);

-- Who receives which events; the secret signs each delivery (HMAC-SHA256).
CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    event_types TEXT NOT NULL,
    secret TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- One delivery per event and subscriber: its attempts, its fate, and when it is due.
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES outbox_events (id),
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_status BIGINT,
    last_error TEXT,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT deliveries_once UNIQUE (event_id, subscription_id)
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);

-- Events received, so a redelivered event has its effect once.
CREATE TABLE inbox_events (
    event_id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    source TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);
