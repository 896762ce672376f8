DROP INDEX bhxh_benefit_decisions_subject;
ALTER TABLE bhxh_benefit_decisions DROP COLUMN subject_kind;
ALTER TABLE bhxh_benefit_decisions RENAME COLUMN subject_id TO case_id;
CREATE INDEX bhxh_benefit_decisions_case ON bhxh_benefit_decisions (case_id);

ALTER TABLE bhxh_feed DROP COLUMN subject_kind;
ALTER TABLE bhxh_feed RENAME COLUMN subject_id TO case_id;
ALTER TABLE bhxh_feed RENAME TO bhxh_disease_feed;
