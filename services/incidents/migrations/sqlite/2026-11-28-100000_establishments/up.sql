-- The establishments registry (cơ sở sản xuất, kinh doanh): employers known to the
-- province, keyed by tax code. Ids are UUIDv7 text made by the application.
CREATE TABLE establishments (
    id TEXT PRIMARY KEY,
    tax_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    vsic_code TEXT NOT NULL,
    vsic_section TEXT NOT NULL,
    ownership_type TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    address TEXT,
    workers_total INTEGER NOT NULL,
    workers_female INTEGER NOT NULL,
    workers_hazardous INTEGER NOT NULL,
    bhxh_unit_code TEXT,
    -- The caller's own id for the record, unique per caller (external_ref_owner).
    external_ref TEXT,
    external_ref_owner TEXT,
    created_by TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT establishments_headcount CHECK (
        workers_total >= 0 AND workers_female BETWEEN 0 AND workers_total
        AND workers_hazardous BETWEEN 0 AND workers_total)
);
CREATE UNIQUE INDEX establishments_external_ref ON establishments (external_ref_owner, external_ref);
CREATE INDEX establishments_commune ON establishments (commune_code);
CREATE INDEX establishments_vsic_section ON establishments (vsic_section);
CREATE INDEX establishments_updated_at ON establishments (updated_at);

-- Every version of every establishment, with who changed it and why: nothing is
-- overwritten silently.
CREATE TABLE establishment_revisions (
    establishment_id TEXT NOT NULL REFERENCES establishments (id),
    version INTEGER NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by TEXT NOT NULL,
    change_reason TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (establishment_id, version)
);
