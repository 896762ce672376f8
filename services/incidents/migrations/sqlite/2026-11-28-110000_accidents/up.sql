-- Accident declarations (khai báo tai nạn lao động). Derived values (severity,
-- level, deadline) are stored so lists can filter on them; they are recomputed
-- from the casualties on every write.
CREATE TABLE accidents (
    id TEXT PRIMARY KEY,
    sector TEXT NOT NULL,
    establishment_id TEXT REFERENCES establishments (id),
    -- Snapshot of the employer when declared, for scope and statistics.
    establishment_tax_code TEXT,
    vsic_section TEXT,
    ownership_type TEXT,
    -- The commune that reported a no-contract accident (its scope).
    reporting_commune TEXT,
    commune_code TEXT NOT NULL,
    place TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    notified_at TIMESTAMP NOT NULL,
    description TEXT NOT NULL,
    injury_factor_code TEXT,
    cause_codes TEXT NOT NULL,
    commute_accident BOOLEAN NOT NULL,
    police_notified_at TIMESTAMP,
    needs_examination BOOLEAN NOT NULL,
    case_severity TEXT NOT NULL,
    requires_immediate_declaration BOOLEAN NOT NULL,
    requires_police_notice BOOLEAN NOT NULL,
    investigation_level TEXT NOT NULL,
    investigation_days INTEGER NOT NULL,
    extension_days INTEGER,
    deadline_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    external_ref TEXT,
    external_ref_owner TEXT,
    created_by TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX accidents_external_ref ON accidents (external_ref_owner, external_ref);
CREATE INDEX accidents_establishment ON accidents (establishment_id);
CREATE INDEX accidents_commune ON accidents (commune_code);
CREATE INDEX accidents_occurred_at ON accidents (occurred_at);
CREATE INDEX accidents_updated_at ON accidents (updated_at);

-- People hurt or killed (người bị nạn). Personal data: reads are audited.
CREATE TABLE casualties (
    id TEXT PRIMARY KEY,
    accident_id TEXT NOT NULL REFERENCES accidents (id),
    position INTEGER NOT NULL,
    personal_id TEXT NOT NULL,
    full_name TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_date DATE,
    birth_year INTEGER NOT NULL,
    occupation_code TEXT,
    contract_type TEXT NOT NULL,
    severity TEXT NOT NULL,
    injury_codes TEXT NOT NULL,
    days_off INTEGER NOT NULL,
    cost_medical INTEGER NOT NULL,
    cost_wages INTEGER NOT NULL,
    cost_compensation INTEGER NOT NULL
);
CREATE INDEX casualties_accident ON casualties (accident_id);

-- Each raise of a casualty's severity, with the document that supports it.
CREATE TABLE severity_changes (
    casualty_id TEXT NOT NULL REFERENCES casualties (id),
    changed_at TIMESTAMP NOT NULL,
    from_severity TEXT NOT NULL,
    to_severity TEXT NOT NULL,
    document_reference TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (casualty_id, changed_at)
);

CREATE TABLE accident_revisions (
    accident_id TEXT NOT NULL REFERENCES accidents (id),
    version INTEGER NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by TEXT NOT NULL,
    change_reason TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (accident_id, version)
);

-- The investigation (điều tra TNLĐ) of an accident; the record is kept as JSON.
CREATE TABLE investigations (
    accident_id TEXT PRIMARY KEY REFERENCES accidents (id),
    record TEXT NOT NULL,
    record_announced_on DATE,
    updated_at TIMESTAMP NOT NULL
);
