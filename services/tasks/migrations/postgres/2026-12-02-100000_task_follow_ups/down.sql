DROP INDEX tasks_source_ref;
ALTER TABLE tasks DROP COLUMN overdue_since;
ALTER TABLE tasks DROP COLUMN source_ref;
