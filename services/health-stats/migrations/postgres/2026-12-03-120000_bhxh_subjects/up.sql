-- The BHXH feed and decisions name their record by kind and id, in the shape both
-- services share (shared::bhxh::store). Every row stays with its sequence and id: a
-- reader's cursor stays valid.
ALTER TABLE bhxh_disease_feed RENAME TO bhxh_feed;
ALTER TABLE bhxh_feed RENAME COLUMN case_id TO subject_id;
ALTER TABLE bhxh_feed ADD COLUMN subject_kind TEXT NOT NULL DEFAULT 'occupational_disease_case';

DROP INDEX bhxh_benefit_decisions_case;
ALTER TABLE bhxh_benefit_decisions RENAME COLUMN case_id TO subject_id;
ALTER TABLE bhxh_benefit_decisions
    ADD COLUMN subject_kind TEXT NOT NULL DEFAULT 'occupational_disease_case';
CREATE INDEX bhxh_benefit_decisions_subject ON bhxh_benefit_decisions (subject_id);
