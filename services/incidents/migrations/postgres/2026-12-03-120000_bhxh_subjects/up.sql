-- The BHXH feed and decisions name their record by kind and id, in the shape both
-- services share (shared::bhxh::store). Every row stays with its sequence and id: a
-- reader's cursor stays valid. The accident of a change is its casualty's, so it is
-- not kept twice.
ALTER TABLE bhxh_accident_feed RENAME TO bhxh_feed;
ALTER TABLE bhxh_feed RENAME COLUMN casualty_id TO subject_id;
ALTER TABLE bhxh_feed DROP COLUMN accident_id;
ALTER TABLE bhxh_feed ADD COLUMN subject_kind TEXT NOT NULL DEFAULT 'casualty';

ALTER INDEX bhxh_benefit_decisions_casualty RENAME TO bhxh_benefit_decisions_subject;
ALTER TABLE bhxh_benefit_decisions RENAME COLUMN casualty_id TO subject_id;
ALTER TABLE bhxh_benefit_decisions ADD COLUMN subject_kind TEXT NOT NULL DEFAULT 'casualty';
