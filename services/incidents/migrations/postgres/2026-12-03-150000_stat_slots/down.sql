-- Back to one row per group and day: the slots are summed.
CREATE TABLE accident_stat_deltas_one AS
SELECT period_month, dim_kind, changed_on, sector, dim_value,
    SUM(cases)::BIGINT AS cases, SUM(cases_fatal)::BIGINT AS cases_fatal,
    SUM(cases_multi)::BIGINT AS cases_multi, SUM(casualties)::BIGINT AS casualties,
    SUM(fatal)::BIGINT AS fatal, SUM(serious)::BIGINT AS serious, SUM(minor)::BIGINT AS minor,
    SUM(female)::BIGINT AS female, SUM(days_off)::BIGINT AS days_off,
    SUM(cost_medical)::BIGINT AS cost_medical, SUM(cost_wages)::BIGINT AS cost_wages,
    SUM(cost_compensation)::BIGINT AS cost_compensation
FROM accident_stat_deltas
GROUP BY period_month, dim_kind, changed_on, sector, dim_value;
DROP TABLE accident_stat_deltas;
ALTER TABLE accident_stat_deltas_one RENAME TO accident_stat_deltas;
ALTER TABLE accident_stat_deltas
    ADD PRIMARY KEY (dim_kind, period_month, changed_on, sector, dim_value);
