-- The audit trail of personal data (docs/operations.md, "6. Monitoring"): who read or changed which
-- record, when, in which request; never the values. Rows form a hash chain (see
-- shared/src/audit.rs), so an edited, inserted or deleted row is detectable.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,               -- UUIDv7
    seq INTEGER NOT NULL UNIQUE,       -- position in the chain, 1, 2, 3, ...
    occurred_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,               -- issuer|subject
    actor_org TEXT,
    actor_roles TEXT NOT NULL,         -- comma-separated role names
    action TEXT NOT NULL,              -- read, list, create, update, export, ...
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    request_id TEXT,
    prev_hash TEXT NOT NULL,           -- hash of the entry at seq - 1 (64 zeros for the first)
    hash TEXT NOT NULL                 -- hex SHA-256 of prev_hash and this entry's fields
);
CREATE INDEX audit_events_resource ON audit_events (resource_type, resource_id);
CREATE INDEX audit_events_actor ON audit_events (actor);
CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at);

-- The end of the chain, one row. Appends lock it, which serialises them; it also
-- shows when entries are cut off the end.
CREATE TABLE audit_chain_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
