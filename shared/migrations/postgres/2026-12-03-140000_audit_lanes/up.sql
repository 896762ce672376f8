-- The audit trail as sixteen chains ("lanes") instead of one, so that concurrent
-- requests no longer queue on one head row (see shared/src/audit.rs). Every existing
-- entry stays where it is, as lane 0 with its seq and hashes unchanged; lane 0's head
-- is the old head.
ALTER TABLE audit_events ADD COLUMN lane INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_events ALTER COLUMN lane DROP DEFAULT;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_seq_key;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_lane_seq_key UNIQUE (lane, seq);

-- The end of each lane. An append locks its lane's row only.
CREATE TABLE audit_lanes (
    lane INTEGER PRIMARY KEY CHECK (lane >= 0 AND lane < 16),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_lanes (lane, seq, hash) SELECT 0, seq, hash FROM audit_chain_head WHERE id = 1;
INSERT INTO audit_lanes (lane, seq, hash)
SELECT lane, 0, '0000000000000000000000000000000000000000000000000000000000000000'
FROM generate_series(1, 15) AS lane;
DROP TABLE audit_chain_head;
