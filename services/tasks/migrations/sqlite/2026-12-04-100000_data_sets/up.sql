-- The plan's activity indicators as data (DHIS2's aggregate model, kept small):
-- data sets, their indicators with an optional breakdown (one category of options),
-- validation rules between indicators, and which agency reports which indicator
-- for which plan item. Loaded from `seed/data-set-664.json`; what the law does
-- not confirm is flagged `unverified`.
CREATE TABLE data_sets (
    code TEXT PRIMARY KEY,
    plan_number TEXT NOT NULL,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    legal_basis TEXT NOT NULL
);

CREATE TABLE indicator_categories (
    code TEXT PRIMARY KEY,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    legal_basis TEXT,
    unverified BOOLEAN NOT NULL
);

CREATE TABLE indicator_category_options (
    category_code TEXT NOT NULL REFERENCES indicator_categories (code),
    code TEXT NOT NULL,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (category_code, code)
);

CREATE TABLE indicators (
    code TEXT PRIMARY KEY,
    data_set_code TEXT NOT NULL REFERENCES data_sets (code),
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    unit TEXT NOT NULL,
    category_code TEXT REFERENCES indicator_categories (code),
    -- `every_period` (six-month and annual reports) or `year` (annual report only).
    reported_in TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    unverified BOOLEAN NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE indicator_rules (
    code TEXT PRIMARY KEY,
    data_set_code TEXT NOT NULL REFERENCES data_sets (code),
    -- `at_most`: left's total ≤ right's total; `breakdown_adds_up`: the options
    -- of left add up to its total.
    kind TEXT NOT NULL,
    left_indicator TEXT NOT NULL REFERENCES indicators (code),
    right_indicator TEXT REFERENCES indicators (code),
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    unverified BOOLEAN NOT NULL
);

CREATE TABLE data_set_assignments (
    data_set_code TEXT NOT NULL REFERENCES data_sets (code),
    indicator_code TEXT NOT NULL REFERENCES indicators (code),
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    -- The plan item (IV.n) that asks the agency for it.
    plan_item INTEGER NOT NULL,
    PRIMARY KEY (indicator_code, agency_code)
);

-- The values an agency reports, validated, as JSON: versioned with the report, so
-- each revision's snapshot keeps the values of that version.
ALTER TABLE plan_reports ADD COLUMN indicator_values TEXT NOT NULL DEFAULT '[]';
