-- The Phụ lục XIII quick report of each grave accident, as a draft the suite prepares.
-- A report is never overwritten: a correction of the accident that changes what the
-- report says adds the next revision, and the earlier ones stay.
CREATE TABLE quick_reports (
    accident_id TEXT NOT NULL REFERENCES accidents (id),
    revision BIGINT NOT NULL,
    status TEXT NOT NULL,
    accident_version BIGINT NOT NULL,
    prepared_at TIMESTAMP NOT NULL,
    change_reason TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (accident_id, revision)
);
