-- The BHXH feed and decisions name their record by kind and id, in the shape both
-- services share (shared::bhxh::store). Every row moves over with its sequence and id:
-- a reader's cursor stays valid. The accident of a change is its casualty's, so it
-- is not kept twice. SQLite cannot drop a column that references another table, hence
-- the new feed table.
CREATE TABLE bhxh_feed (
    seq INTEGER PRIMARY KEY,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL REFERENCES casualties (id),
    reason TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
INSERT INTO bhxh_feed (seq, subject_kind, subject_id, reason, changed_at)
SELECT seq, 'casualty', casualty_id, reason, changed_at FROM bhxh_accident_feed;
DROP TABLE bhxh_accident_feed;

DROP INDEX bhxh_benefit_decisions_casualty;
ALTER TABLE bhxh_benefit_decisions RENAME COLUMN casualty_id TO subject_id;
ALTER TABLE bhxh_benefit_decisions ADD COLUMN subject_kind TEXT NOT NULL DEFAULT 'casualty';
CREATE INDEX bhxh_benefit_decisions_subject ON bhxh_benefit_decisions (subject_id);
