-- The establishments this service has heard of, keyed by tax code: filled from the
-- establishment fields sent with each report (and later from incidents' events),
-- never by calling the incidents service inside a write.
CREATE TABLE establishments (
    tax_code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    commune_code TEXT,
    vsic_section TEXT,
    ownership_type TEXT,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX establishments_commune ON establishments (commune_code);
