-- The statistics counters split into eight slots per group and day, as incidents'
-- are: a write adds to the slot of its request (shared/src/context.rs, spread), so
-- concurrent filings of one day no longer queue on the same rows. Sums over the slots
-- are the figures, as before. Existing rows become slot 0.
CREATE TABLE health_stat_deltas_slots (
    period TEXT NOT NULL,
    dim_kind TEXT NOT NULL,
    changed_on DATE NOT NULL,
    dim_value TEXT NOT NULL,
    slot SMALLINT NOT NULL,
    reports INTEGER NOT NULL,
    workers INTEGER NOT NULL,
    hazardous_workers INTEGER NOT NULL,
    periodic_exams INTEGER NOT NULL,
    exposed_workers INTEGER NOT NULL,
    bnn_examined INTEGER NOT NULL,
    bnn_suspected INTEGER NOT NULL,
    bnn_confirmed INTEGER NOT NULL,
    disease_cases INTEGER NOT NULL,
    PRIMARY KEY (dim_kind, period, changed_on, dim_value, slot)
);
INSERT INTO health_stat_deltas_slots
SELECT period, dim_kind, changed_on, dim_value, 0, reports, workers, hazardous_workers, periodic_exams, exposed_workers, bnn_examined, bnn_suspected, bnn_confirmed, disease_cases
FROM health_stat_deltas;
DROP TABLE health_stat_deltas;
ALTER TABLE health_stat_deltas_slots RENAME TO health_stat_deltas;

CREATE TABLE monitoring_stat_deltas_slots (
    period_year INTEGER NOT NULL,
    dim_kind TEXT NOT NULL,
    changed_on DATE NOT NULL,
    dim_value TEXT NOT NULL,
    slot SMALLINT NOT NULL,
    establishments_reporting INTEGER NOT NULL,
    establishments_monitored INTEGER NOT NULL,
    establishments_with_exceedance INTEGER NOT NULL,
    harmful_known INTEGER NOT NULL,
    reports INTEGER NOT NULL,
    samples_taken INTEGER NOT NULL,
    samples_over_limit INTEGER NOT NULL,
    PRIMARY KEY (dim_kind, period_year, changed_on, dim_value, slot)
);
INSERT INTO monitoring_stat_deltas_slots
SELECT period_year, dim_kind, changed_on, dim_value, 0, establishments_reporting, establishments_monitored, establishments_with_exceedance, harmful_known, reports, samples_taken, samples_over_limit
FROM monitoring_stat_deltas;
DROP TABLE monitoring_stat_deltas;
ALTER TABLE monitoring_stat_deltas_slots RENAME TO monitoring_stat_deltas;
