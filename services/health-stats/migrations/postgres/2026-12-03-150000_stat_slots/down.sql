-- Back to one row per group and day: the slots are summed.
CREATE TABLE health_stat_deltas_one AS
SELECT period, dim_kind, changed_on, dim_value, SUM(reports)::BIGINT AS reports, SUM(workers)::BIGINT AS workers, SUM(hazardous_workers)::BIGINT AS hazardous_workers, SUM(periodic_exams)::BIGINT AS periodic_exams, SUM(exposed_workers)::BIGINT AS exposed_workers, SUM(bnn_examined)::BIGINT AS bnn_examined, SUM(bnn_suspected)::BIGINT AS bnn_suspected, SUM(bnn_confirmed)::BIGINT AS bnn_confirmed, SUM(disease_cases)::BIGINT AS disease_cases
FROM health_stat_deltas
GROUP BY period, dim_kind, changed_on, dim_value;
DROP TABLE health_stat_deltas;
ALTER TABLE health_stat_deltas_one RENAME TO health_stat_deltas;
ALTER TABLE health_stat_deltas ADD PRIMARY KEY (dim_kind, period, changed_on, dim_value);

CREATE TABLE monitoring_stat_deltas_one AS
SELECT period_year, dim_kind, changed_on, dim_value, SUM(establishments_reporting)::BIGINT AS establishments_reporting, SUM(establishments_monitored)::BIGINT AS establishments_monitored, SUM(establishments_with_exceedance)::BIGINT AS establishments_with_exceedance, SUM(harmful_known)::BIGINT AS harmful_known, SUM(reports)::BIGINT AS reports, SUM(samples_taken)::BIGINT AS samples_taken, SUM(samples_over_limit)::BIGINT AS samples_over_limit
FROM monitoring_stat_deltas
GROUP BY period_year, dim_kind, changed_on, dim_value;
DROP TABLE monitoring_stat_deltas;
ALTER TABLE monitoring_stat_deltas_one RENAME TO monitoring_stat_deltas;
ALTER TABLE monitoring_stat_deltas ADD PRIMARY KEY (dim_kind, period_year, changed_on, dim_value);
