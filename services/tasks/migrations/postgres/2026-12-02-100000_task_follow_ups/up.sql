-- Tasks opened by another service's event name the record they follow up
-- (`incidents:accident:<id>`), so a later event about that record finds its task;
-- `overdue_since` is when the source service said the record is late.
ALTER TABLE tasks ADD COLUMN source_ref TEXT;
ALTER TABLE tasks ADD COLUMN overdue_since TIMESTAMP;
CREATE UNIQUE INDEX tasks_source_ref ON tasks (source_ref);
