-- Work-environment monitoring reports (báo cáo kết quả quan trắc môi trường lao động,
-- Mẫu 04 Phụ lục III ND 44/2016): one per establishment, monitoring organisation and
-- monitoring day; a correction is a new version, the old ones stay as revisions.
CREATE TABLE monitoring_reports (
    id TEXT PRIMARY KEY,
    tax_code TEXT NOT NULL REFERENCES establishments (tax_code),
    -- The establishment as this report states it (the groups it is counted in).
    establishment_name TEXT NOT NULL,
    commune_code TEXT,
    vsic_code TEXT,
    vsic_section TEXT,
    ownership_type TEXT,
    organisation_name TEXT NOT NULL,
    organisation_licence TEXT NOT NULL,
    monitored_on DATE NOT NULL,
    monitoring_year BIGINT NOT NULL,
    has_harmful_factors BOOLEAN NOT NULL,
    -- The factor groups with their samples and measured values, as JSON.
    factors TEXT NOT NULL,
    samples_taken BIGINT NOT NULL,
    samples_over_limit BIGINT NOT NULL,
    first_received_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    submitted_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    CONSTRAINT monitoring_reports_one_per_visit UNIQUE (tax_code, organisation_licence, monitored_on)
);
CREATE INDEX monitoring_reports_year ON monitoring_reports (monitoring_year, commune_code);

CREATE TABLE monitoring_report_revisions (
    report_id TEXT NOT NULL REFERENCES monitoring_reports (id),
    version BIGINT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    submitted_by TEXT NOT NULL,
    change_reason TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (report_id, version)
);

-- Monitoring statistics kept current in the same transaction as every report, so a
-- statistics request never rescans the reports. Each row holds the change, made on
-- day changed_on, to the counters of one group (dim_kind, dim_value) for one
-- monitoring year. Summing the rows gives the figures; those with changed_on <= D
-- give them as they stood on day D. harmful_known is kept as steps: +1 in the year an
-- establishment reports harmful factors, -1 in its next reporting year, so the
-- establishments known to have harmful factors in year Y are the sum over years <= Y.
CREATE TABLE monitoring_stat_deltas (
    period_year BIGINT NOT NULL,
    dim_kind TEXT NOT NULL,
    changed_on DATE NOT NULL,
    dim_value TEXT NOT NULL,
    establishments_reporting BIGINT NOT NULL,
    establishments_monitored BIGINT NOT NULL,
    establishments_with_exceedance BIGINT NOT NULL,
    harmful_known BIGINT NOT NULL,
    reports BIGINT NOT NULL,
    samples_taken BIGINT NOT NULL,
    samples_over_limit BIGINT NOT NULL,
    PRIMARY KEY (dim_kind, period_year, changed_on, dim_value)
);
