-- Responses of POSTs sent with an Idempotency-Key, replayed when the same caller
-- sends the same key again (docs/integration.md, "`Idempotency-Key`"). Kept at least 24 hours.
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,            -- caller (issuer|subject) and operation
    idempotency_key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,   -- of the canonical body, to refuse a reused key
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    response_location TEXT,
    response_etag TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
