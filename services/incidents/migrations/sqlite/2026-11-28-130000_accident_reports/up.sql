-- Periodic accident reports (báo cáo định kỳ tình hình TNLĐ), one per reporter,
-- kind and period; a resubmission is a new version, the old ones stay as revisions.
CREATE TABLE accident_reports (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    -- The establishment id (employer reports) or the commune code (commune reports).
    reporter TEXT NOT NULL,
    establishment_id TEXT REFERENCES establishments (id),
    commune_code TEXT NOT NULL,
    nil_report BOOLEAN NOT NULL,
    workers_total INTEGER,
    workers_female INTEGER,
    figures TEXT,
    due_on DATE,
    first_received_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    on_time BOOLEAN NOT NULL,
    submitted_by TEXT NOT NULL,
    version INTEGER NOT NULL,
    CONSTRAINT accident_reports_one_per_period UNIQUE (kind, period, reporter)
);
CREATE INDEX accident_reports_period ON accident_reports (period, kind);

CREATE TABLE accident_report_revisions (
    report_id TEXT NOT NULL REFERENCES accident_reports (id),
    version INTEGER NOT NULL,
    received_at TIMESTAMP NOT NULL,
    submitted_by TEXT NOT NULL,
    change_reason TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (report_id, version)
);
