-- Back to one chain. Lane 0 is the old chain as it was; the entries of lanes 1 to 15
-- cannot join it and are dropped.
CREATE TABLE audit_chain_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, seq, hash) SELECT 1, seq, hash FROM audit_lanes WHERE lane = 0;
DROP TABLE audit_lanes;
DELETE FROM audit_events WHERE lane <> 0;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_lane_seq_key;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_seq_key UNIQUE (seq);
ALTER TABLE audit_events DROP COLUMN lane;
