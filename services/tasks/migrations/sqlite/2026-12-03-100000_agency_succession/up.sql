-- Succession of assignees (docs/operations.md, "Succession of assignees").
-- When an agency closes, its open tasks pass to its successors from
-- the day after its last day: the passed-on assignment rows carry that day in
-- `valid_from`. A null `valid_from` / `valid_to` means "for as long as the agency
-- exists". Compliance, reminders, drafts and filings of a period ask which
-- assignments are in force on the period's due date.
ALTER TABLE assignments ADD COLUMN valid_from DATE;
ALTER TABLE assignments ADD COLUMN valid_to DATE;

-- The agencies that took over from a closed one, when there are several (each
-- district committee's tasks pass to the commune committees of the communes that
-- took over its territory, derived from shared/refdata). Without rows here an
-- agency's successor is `agencies.successor_code`.
CREATE TABLE agency_successors (
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    successor_code TEXT NOT NULL REFERENCES agencies (code),
    PRIMARY KEY (agency_code, successor_code)
);

-- `UBND-XA` stood for all the communes and wards together. Each commune committee
-- now reports on its own (`UBND-XA-<commune code>`, added at start-up by the seed
-- step), so the group no longer reports; it stays, with anything filed under it.
UPDATE agencies SET reports = FALSE WHERE code = 'UBND-XA';
