-- A job's items, one row per chunk the runner applies (its first item's index in the
-- request and the chunk's items as a JSON array), so that storing a job and running
-- one chunk each send or read a message of one chunk, never the whole request: a
-- database client keeps its buffers at the size of the largest message it has seen.
-- Jobs stored before this table keep their items in jobs.payload, which the runner
-- still reads; new jobs store '[]' there.
CREATE TABLE job_items (
    job_id TEXT NOT NULL REFERENCES jobs (id),
    first_index INTEGER NOT NULL,
    items TEXT NOT NULL,
    PRIMARY KEY (job_id, first_index)
);
