CREATE TABLE bhxh_accident_feed (
    seq INTEGER PRIMARY KEY,
    casualty_id TEXT NOT NULL REFERENCES casualties (id),
    accident_id TEXT NOT NULL REFERENCES accidents (id),
    reason TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
INSERT INTO bhxh_accident_feed (seq, casualty_id, accident_id, reason, changed_at)
SELECT f.seq, f.subject_id, c.accident_id, f.reason, f.changed_at
FROM bhxh_feed f JOIN casualties c ON c.id = f.subject_id;
DROP TABLE bhxh_feed;

DROP INDEX bhxh_benefit_decisions_subject;
ALTER TABLE bhxh_benefit_decisions DROP COLUMN subject_kind;
ALTER TABLE bhxh_benefit_decisions RENAME COLUMN subject_id TO casualty_id;
CREATE INDEX bhxh_benefit_decisions_casualty ON bhxh_benefit_decisions (casualty_id);
