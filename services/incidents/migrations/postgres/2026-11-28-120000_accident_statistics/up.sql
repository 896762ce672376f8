-- Accident statistics kept current in the same transaction as every write, so a
-- statistics request never rescans the accidents. Each row holds the change, made on
-- day changed_on, to the counters of one group (dim_kind, dim_value) of the accidents
-- that occurred in period_month (Viet Nam time). Summing the rows gives the figures;
-- summing those with changed_on <= D gives them as they stood on day D.
CREATE TABLE accident_stat_deltas (
    period_month TEXT NOT NULL,
    dim_kind TEXT NOT NULL,
    changed_on DATE NOT NULL,
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
    PRIMARY KEY (dim_kind, period_month, changed_on, sector, dim_value)
);
