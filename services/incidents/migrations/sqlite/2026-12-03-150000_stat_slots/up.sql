-- The statistics counters split into eight slots per group and day: a write adds to
-- the slot of its request (shared/src/context.rs, spread), so concurrent declarations
-- of one day no longer queue on the same "total" and cause rows. Sums over the slots
-- are the figures, as before. Existing rows become slot 0.
CREATE TABLE accident_stat_deltas_slots (
    period_month TEXT NOT NULL,
    dim_kind TEXT NOT NULL,
    changed_on DATE NOT NULL,
    sector TEXT NOT NULL,
    dim_value TEXT NOT NULL,
    slot SMALLINT NOT NULL,
    cases INTEGER NOT NULL,
    cases_fatal INTEGER NOT NULL,
    cases_multi INTEGER NOT NULL,
    casualties INTEGER NOT NULL,
    fatal INTEGER NOT NULL,
    serious INTEGER NOT NULL,
    minor INTEGER NOT NULL,
    female INTEGER NOT NULL,
    days_off INTEGER NOT NULL,
    cost_medical INTEGER NOT NULL,
    cost_wages INTEGER NOT NULL,
    cost_compensation INTEGER NOT NULL,
    PRIMARY KEY (dim_kind, period_month, changed_on, sector, dim_value, slot)
);
INSERT INTO accident_stat_deltas_slots
SELECT period_month, dim_kind, changed_on, sector, dim_value, 0, cases, cases_fatal,
    cases_multi, casualties, fatal, serious, minor, female, days_off, cost_medical,
    cost_wages, cost_compensation
FROM accident_stat_deltas;
DROP TABLE accident_stat_deltas;
ALTER TABLE accident_stat_deltas_slots RENAME TO accident_stat_deltas;
