-- The statistics deltas folded, as incidents' are (its migration stat_totals): per
-- group and period (health) or year (monitoring), the sum of every delta row with
-- changed_on on or before the marker's folded_through (one row per table). A read
-- sums these plus the deltas after that day, so its cost follows the groups and
-- periods, not the change-days. The deltas stay: they answer as_of before that day.
-- The first fold (services/health-stats/src/service/counters.rs, at start) folds the
-- existing deltas.
CREATE TABLE health_stat_totals (
    period TEXT NOT NULL,
    dim_kind TEXT NOT NULL,
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
    PRIMARY KEY (dim_kind, period, dim_value)
);
CREATE TABLE health_stat_folded (
    id SMALLINT PRIMARY KEY CHECK (id = 0),
    folded_through DATE NOT NULL
);
INSERT INTO health_stat_folded (id, folded_through) VALUES (0, '1970-01-01');
-- The deltas after the marker, found without reading the older ones.
CREATE INDEX health_stat_deltas_changed ON health_stat_deltas (changed_on, dim_kind, period);

CREATE TABLE monitoring_stat_totals (
    period_year INTEGER NOT NULL,
    dim_kind TEXT NOT NULL,
    dim_value TEXT NOT NULL,
    establishments_reporting INTEGER NOT NULL,
    establishments_monitored INTEGER NOT NULL,
    establishments_with_exceedance INTEGER NOT NULL,
    harmful_known INTEGER NOT NULL,
    reports INTEGER NOT NULL,
    samples_taken INTEGER NOT NULL,
    samples_over_limit INTEGER NOT NULL,
    PRIMARY KEY (dim_kind, period_year, dim_value)
);
CREATE TABLE monitoring_stat_folded (
    id SMALLINT PRIMARY KEY CHECK (id = 0),
    folded_through DATE NOT NULL
);
INSERT INTO monitoring_stat_folded (id, folded_through) VALUES (0, '1970-01-01');
CREATE INDEX monitoring_stat_deltas_changed ON monitoring_stat_deltas (changed_on, dim_kind, period_year);
