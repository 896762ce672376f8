-- Back to one row per group and day: the slots are summed.
CREATE TABLE health_stat_deltas_one (
    period TEXT NOT NULL,
    dim_kind TEXT NOT NULL,
    changed_on DATE NOT NULL,
    dim_value TEXT NOT NULL,
    reports INTEGER NOT NULL,
    workers INTEGER NOT NULL,
    hazardous_workers INTEGER NOT NULL,
    periodic_exams INTEGER NOT NULL,
    exposed_workers INTEGER NOT NULL,
    bnn_examined INTEGER NOT NULL,
    bnn_suspected INTEGER NOT NULL,
    bnn_confirmed INTEGER NOT NULL,
    disease_cases INTEGER NOT NULL,
    PRIMARY KEY (dim_kind, period, changed_on, dim_value)
);
INSERT INTO health_stat_deltas_one
SELECT period, dim_kind, changed_on, dim_value, SUM(reports), SUM(workers), SUM(hazardous_workers), SUM(periodic_exams), SUM(exposed_workers), SUM(bnn_examined), SUM(bnn_suspected), SUM(bnn_confirmed), SUM(disease_cases)
FROM health_stat_deltas
GROUP BY period, dim_kind, changed_on, dim_value;
DROP TABLE health_stat_deltas;
ALTER TABLE health_stat_deltas_one RENAME TO health_stat_deltas;

CREATE TABLE monitoring_stat_deltas_one (
    period_year INTEGER NOT NULL,
    dim_kind TEXT NOT NULL,
    changed_on DATE NOT NULL,
    dim_value TEXT NOT NULL,
    establishments_reporting INTEGER NOT NULL,
    establishments_monitored INTEGER NOT NULL,
    establishments_with_exceedance INTEGER NOT NULL,
    harmful_known INTEGER NOT NULL,
    reports INTEGER NOT NULL,
    samples_taken INTEGER NOT NULL,
    samples_over_limit INTEGER NOT NULL,
    PRIMARY KEY (dim_kind, period_year, changed_on, dim_value)
);
INSERT INTO monitoring_stat_deltas_one
SELECT period_year, dim_kind, changed_on, dim_value, SUM(establishments_reporting), SUM(establishments_monitored), SUM(establishments_with_exceedance), SUM(harmful_known), SUM(reports), SUM(samples_taken), SUM(samples_over_limit)
FROM monitoring_stat_deltas
GROUP BY period_year, dim_kind, changed_on, dim_value;
DROP TABLE monitoring_stat_deltas;
ALTER TABLE monitoring_stat_deltas_one RENAME TO monitoring_stat_deltas;
