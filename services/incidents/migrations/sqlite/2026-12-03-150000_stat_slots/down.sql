-- Back to one row per group and day: the slots are summed.
CREATE TABLE accident_stat_deltas_one (
    period_month TEXT NOT NULL,
    dim_kind TEXT NOT NULL,
    changed_on DATE NOT NULL,
    sector TEXT NOT NULL,
    dim_value TEXT NOT NULL,
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
    PRIMARY KEY (dim_kind, period_month, changed_on, sector, dim_value)
);
INSERT INTO accident_stat_deltas_one
SELECT period_month, dim_kind, changed_on, sector, dim_value, SUM(cases), SUM(cases_fatal),
    SUM(cases_multi), SUM(casualties), SUM(fatal), SUM(serious), SUM(minor), SUM(female),
    SUM(days_off), SUM(cost_medical), SUM(cost_wages), SUM(cost_compensation)
FROM accident_stat_deltas
GROUP BY period_month, dim_kind, changed_on, sector, dim_value;
DROP TABLE accident_stat_deltas;
ALTER TABLE accident_stat_deltas_one RENAME TO accident_stat_deltas;
