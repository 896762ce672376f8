-- Agencies, tasks and targets become editable (issue 15, item 6). Nothing is
-- overwritten silently: each record carries a version (its ETag, checked against
-- If-Match) and every version is kept in `record_revisions` with who changed it,
-- when and why. Records stored before this migration are version 1; their first
-- revision row is written when they are first changed.
ALTER TABLE agencies ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE tasks ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE targets ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

CREATE TABLE record_revisions (
    -- `agency`, `task` or `target`.
    resource TEXT NOT NULL,
    -- The agency code, or the task or target id.
    record_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    -- Null for a first version made before versions were kept (its author unknown).
    changed_by TEXT,
    -- `created` or `updated`.
    action TEXT NOT NULL,
    -- Null for a first version.
    change_reason TEXT,
    -- The record as it was at this version (JSON).
    snapshot TEXT NOT NULL,
    PRIMARY KEY (resource, record_id, version)
);
