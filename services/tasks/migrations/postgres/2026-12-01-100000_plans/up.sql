-- Plan 664 as data: agencies, plans, targets, tasks and their assignments, the
-- agencies' periodic reports with their revisions, the reporting deadlines of each
-- year and the reminders sent about them.
CREATE TABLE agencies (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- Whether it sends the plan's six-month and annual reports to Sở Nội vụ.
    reports BOOLEAN NOT NULL,
    valid_from DATE NOT NULL,
    -- Last day in existence (the district committees: 2025-06-30).
    valid_to DATE,
    successor_code TEXT REFERENCES agencies (code),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    issuer TEXT NOT NULL,
    signer TEXT NOT NULL,
    issued_on DATE NOT NULL,
    effective_on DATE NOT NULL,
    -- JSON arrays.
    legal_bases TEXT NOT NULL,
    solution_groups TEXT NOT NULL,
    funding TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE targets (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES plans (id),
    code TEXT NOT NULL,
    indicator TEXT NOT NULL,
    unit TEXT NOT NULL,
    direction TEXT NOT NULL,
    yearly_change_percent BIGINT NOT NULL,
    baseline_year INTEGER NOT NULL,
    source TEXT NOT NULL,
    position INTEGER NOT NULL,
    CONSTRAINT targets_code_per_plan UNIQUE (plan_id, code)
);

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES plans (id),
    -- The numbered assignee item of the plan's "Tổ chức thực hiện" (1–20), or null.
    item INTEGER,
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    due_on DATE,
    recurrence TEXT,
    position INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX tasks_plan ON tasks (plan_id, position);

CREATE TABLE assignments (
    task_id TEXT NOT NULL REFERENCES tasks (id),
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    role TEXT NOT NULL,
    PRIMARY KEY (task_id, agency_code)
);
CREATE INDEX assignments_agency ON assignments (agency_code);

-- Deadlines of the recurring reports, one row per plan and period, made for each
-- year as it comes (start-up and the reminders job).
CREATE TABLE report_deadlines (
    plan_id TEXT NOT NULL REFERENCES plans (id),
    period TEXT NOT NULL,
    due_on DATE NOT NULL,
    PRIMARY KEY (plan_id, period)
);

CREATE TABLE plan_reports (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES plans (id),
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    period TEXT NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL,
    -- JSON: narrative per task, figures, attachment references.
    narrative TEXT NOT NULL,
    figures TEXT NOT NULL,
    attachments TEXT NOT NULL,
    first_received_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    on_time BOOLEAN NOT NULL,
    submitted_by TEXT NOT NULL,
    review_comment TEXT,
    reviewed_by TEXT,
    reviewed_at TIMESTAMP,
    version BIGINT NOT NULL,
    CONSTRAINT plan_reports_one_per_period UNIQUE (plan_id, agency_code, period)
);
CREATE INDEX plan_reports_period ON plan_reports (plan_id, period);

CREATE TABLE plan_report_revisions (
    report_id TEXT NOT NULL REFERENCES plan_reports (id),
    version BIGINT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by TEXT NOT NULL,
    action TEXT NOT NULL,
    change_reason TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (report_id, version)
);

-- One reminder per agency, period and kind: the unique key makes the job safe to
-- run on several replicas at once (insert-or-ignore).
CREATE TABLE reminders (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES plans (id),
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    period TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_on DATE NOT NULL,
    remind_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT reminders_once UNIQUE (plan_id, agency_code, period, kind)
);
