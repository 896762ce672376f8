ALTER TABLE accidents DROP COLUMN overdue_announced_at;
