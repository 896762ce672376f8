-- Bulk imports too large to answer at once: the stored payload, the job's state and
-- progress (rows done of total, with running counts), leased by one runner at a time.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    dry_run BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    payload TEXT NOT NULL,
    total BIGINT NOT NULL,
    done BIGINT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    error TEXT,
    lease_until TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, lease_until);

-- The per-row results of each chunk, written in the chunk's own transaction.
CREATE TABLE job_chunks (
    job_id TEXT NOT NULL REFERENCES jobs (id),
    first_index BIGINT NOT NULL,
    results TEXT NOT NULL,
    PRIMARY KEY (job_id, first_index)
);
