DROP TABLE record_revisions;
ALTER TABLE targets DROP COLUMN version;
ALTER TABLE tasks DROP COLUMN version;
ALTER TABLE agencies DROP COLUMN version;
