-- Serious technical incidents (sự cố kỹ thuật gây mất an toàn, vệ sinh lao động
-- nghiêm trọng; Law 84/2015 art. 34-36, ND 39/2016): declared by the employer, with or
-- without casualties, and investigated like an accident.
CREATE TABLE technical_incidents (
    id TEXT PRIMARY KEY,
    -- equipment, structure, fire, explosion, chemical_release, other
    kind TEXT NOT NULL,
    establishment_id TEXT NOT NULL REFERENCES establishments (id),
    -- Snapshot of the employer when declared, for scope and statistics.
    establishment_tax_code TEXT NOT NULL,
    vsic_section TEXT NOT NULL,
    ownership_type TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    place TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    notified_at TIMESTAMP NOT NULL,
    description TEXT NOT NULL,
    damage_vnd BIGINT NOT NULL,
    anyone_hurt BOOLEAN NOT NULL,
    -- Ids of the accident declarations of the people hurt, comma-separated.
    accident_ids TEXT NOT NULL,
    investigation_days BIGINT NOT NULL,
    deadline_at TIMESTAMP NOT NULL,
    -- The investigation record as JSON, and the day it was announced.
    investigation TEXT,
    record_announced_on DATE,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX technical_incidents_tax_code ON technical_incidents (establishment_tax_code);
CREATE INDEX technical_incidents_commune ON technical_incidents (commune_code);
CREATE INDEX technical_incidents_occurred_at ON technical_incidents (occurred_at);

-- Every version of an incident, kept whole.
CREATE TABLE technical_incident_revisions (
    incident_id TEXT NOT NULL REFERENCES technical_incidents (id),
    version BIGINT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by TEXT NOT NULL,
    change_reason TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (incident_id, version)
);
