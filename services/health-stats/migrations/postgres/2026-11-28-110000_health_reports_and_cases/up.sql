-- The employer's occupational-health report (báo cáo y tế lao động, TT 19/2016
-- Phụ lục 8), one per establishment and period; a resubmission is a new version.
CREATE TABLE health_exam_reports (
    id TEXT PRIMARY KEY,
    period TEXT NOT NULL,
    tax_code TEXT NOT NULL REFERENCES establishments (tax_code),
    -- The establishment as the report described it, for statistics.
    commune_code TEXT,
    vsic_section TEXT,
    ownership_type TEXT,
    nil_report BOOLEAN NOT NULL,
    figures TEXT,
    due_on DATE,
    first_received_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    on_time BOOLEAN NOT NULL,
    submitted_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    CONSTRAINT health_exam_reports_one_per_period UNIQUE (tax_code, period)
);

CREATE TABLE health_exam_report_revisions (
    report_id TEXT NOT NULL REFERENCES health_exam_reports (id),
    version BIGINT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    submitted_by TEXT NOT NULL,
    change_reason TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (report_id, version)
);

-- One diagnosed worker per disease (trường hợp bệnh nghề nghiệp). Health data: every
-- read and write is audited; the same person and disease is one case.
CREATE TABLE disease_cases (
    id TEXT PRIMARY KEY,
    personal_id TEXT NOT NULL,
    full_name TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_date DATE,
    tax_code TEXT NOT NULL REFERENCES establishments (tax_code),
    commune_code TEXT,
    vsic_section TEXT,
    ownership_type TEXT,
    disease_code TEXT NOT NULL,
    exposure_factor TEXT,
    diagnosed_on DATE NOT NULL,
    diagnosis_facility TEXT NOT NULL,
    capacity_loss_percent BIGINT,
    assessed_on DATE,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT disease_cases_one_per_person_and_disease UNIQUE (personal_id, disease_code)
);
CREATE INDEX disease_cases_tax_code ON disease_cases (tax_code);

CREATE TABLE disease_case_revisions (
    case_id TEXT NOT NULL REFERENCES disease_cases (id),
    version BIGINT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by TEXT NOT NULL,
    change_reason TEXT NOT NULL,
    -- Status and assessment only: identities and diagnoses are not copied around.
    snapshot TEXT NOT NULL,
    PRIMARY KEY (case_id, version)
);

-- Health statistics kept current with every write (see the incidents service's
-- accident_stat_deltas): the change, made on changed_on, to one group's counters in
-- a period (2025 or 2025-H1).
CREATE TABLE health_stat_deltas (
    period TEXT NOT NULL,
    dim_kind TEXT NOT NULL,
    changed_on DATE NOT NULL,
    dim_value TEXT NOT NULL,
    reports BIGINT NOT NULL,
    workers BIGINT NOT NULL,
    hazardous_workers BIGINT NOT NULL,
    periodic_exams BIGINT NOT NULL,
    exposed_workers BIGINT NOT NULL,
    bnn_examined BIGINT NOT NULL,
    bnn_suspected BIGINT NOT NULL,
    bnn_confirmed BIGINT NOT NULL,
    disease_cases BIGINT NOT NULL,
    PRIMARY KEY (dim_kind, period, changed_on, dim_value)
);
