-- Back to one chain. Lane 0 is the old chain as it was; the entries of lanes 1 to 15
-- cannot join it and are dropped.
CREATE TABLE audit_chain_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, seq, hash) SELECT 1, seq, hash FROM audit_lanes WHERE lane = 0;
DROP TABLE audit_lanes;
CREATE TABLE audit_events_one (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    occurred_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    actor_org TEXT,
    actor_roles TEXT NOT NULL,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_events_one SELECT id, seq, occurred_at, actor, actor_org, actor_roles,
    action, resource_type, resource_id, request_id, prev_hash, hash
FROM audit_events WHERE lane = 0;
DROP TABLE audit_events;
ALTER TABLE audit_events_one RENAME TO audit_events;
CREATE INDEX audit_events_resource ON audit_events (resource_type, resource_id);
CREATE INDEX audit_events_actor ON audit_events (actor);
CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at);
