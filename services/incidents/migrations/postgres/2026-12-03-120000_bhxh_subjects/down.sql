ALTER TABLE bhxh_benefit_decisions DROP COLUMN subject_kind;
ALTER TABLE bhxh_benefit_decisions RENAME COLUMN subject_id TO casualty_id;
ALTER INDEX bhxh_benefit_decisions_subject RENAME TO bhxh_benefit_decisions_casualty;

ALTER TABLE bhxh_feed DROP COLUMN subject_kind;
ALTER TABLE bhxh_feed ADD COLUMN accident_id TEXT REFERENCES accidents (id);
UPDATE bhxh_feed SET accident_id = (SELECT c.accident_id FROM casualties c WHERE c.id = bhxh_feed.subject_id);
ALTER TABLE bhxh_feed ALTER COLUMN accident_id SET NOT NULL;
ALTER TABLE bhxh_feed RENAME COLUMN subject_id TO casualty_id;
ALTER TABLE bhxh_feed RENAME TO bhxh_accident_feed;
