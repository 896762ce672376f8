-- The audit trail as sixteen chains ("lanes") instead of one, so that concurrent
-- requests no longer queue on one head row (see shared/src/audit.rs). Every existing
-- entry stays where it is, as lane 0 with its seq and hashes unchanged; lane 0's head
-- is the old head. SQLite cannot drop the inline UNIQUE on seq, hence the new table.
CREATE TABLE audit_events_lanes (
    id TEXT PRIMARY KEY,
    lane INTEGER NOT NULL,             -- which chain, 0 to 15
    seq INTEGER NOT NULL,              -- position in that chain, 1, 2, 3, ...
    occurred_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    actor_org TEXT,
    actor_roles TEXT NOT NULL,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (lane, seq)
);
INSERT INTO audit_events_lanes (id, lane, seq, occurred_at, actor, actor_org, actor_roles,
    action, resource_type, resource_id, request_id, prev_hash, hash)
SELECT id, 0, seq, occurred_at, actor, actor_org, actor_roles,
    action, resource_type, resource_id, request_id, prev_hash, hash
FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_lanes RENAME TO audit_events;
CREATE INDEX audit_events_resource ON audit_events (resource_type, resource_id);
CREATE INDEX audit_events_actor ON audit_events (actor);
CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at);

-- The end of each lane. An append locks its lane's row only.
CREATE TABLE audit_lanes (
    lane INTEGER PRIMARY KEY CHECK (lane >= 0 AND lane < 16),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_lanes (lane, seq, hash) SELECT 0, seq, hash FROM audit_chain_head WHERE id = 1;
INSERT INTO audit_lanes (lane, seq, hash)
WITH RECURSIVE n(lane) AS (SELECT 1 UNION ALL SELECT lane + 1 FROM n WHERE lane < 15)
SELECT lane, 0, '0000000000000000000000000000000000000000000000000000000000000000' FROM n;
DROP TABLE audit_chain_head;
