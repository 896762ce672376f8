-- The statistics deltas folded: per group and month, the sum of every delta row with
-- changed_on on or before accident_stat_folded.folded_through (one row). A read sums
-- these plus the deltas after that day, so its cost follows the groups and months,
-- not the change-days. The deltas stay: they answer as_of before that day. The
-- first fold (services/incidents/src/service/statistics.rs, at start) folds the
-- existing deltas.
CREATE TABLE accident_stat_totals (
    period_month TEXT NOT NULL,
    dim_kind TEXT NOT NULL,
    sector TEXT NOT NULL,
    dim_value TEXT NOT NULL,
    cases BIGINT NOT NULL,
    cases_fatal BIGINT NOT NULL,
    cases_multi BIGINT NOT NULL,
    casualties BIGINT NOT NULL,
    fatal BIGINT NOT NULL,
    serious BIGINT NOT NULL,
    minor BIGINT NOT NULL,
    female BIGINT NOT NULL,
    days_off BIGINT NOT NULL,
    cost_medical BIGINT NOT NULL,
    cost_wages BIGINT NOT NULL,
    cost_compensation BIGINT NOT NULL,
    PRIMARY KEY (dim_kind, period_month, sector, dim_value)
);
CREATE TABLE accident_stat_folded (
    id SMALLINT PRIMARY KEY CHECK (id = 0),
    folded_through DATE NOT NULL
);
INSERT INTO accident_stat_folded (id, folded_through) VALUES (0, '1970-01-01');
-- The deltas after the marker, found without reading the older ones.
CREATE INDEX accident_stat_deltas_changed ON accident_stat_deltas (changed_on, dim_kind, period_month);
