DROP INDEX monitoring_stat_deltas_changed;
DROP TABLE monitoring_stat_folded;
DROP TABLE monitoring_stat_totals;
DROP INDEX health_stat_deltas_changed;
DROP TABLE health_stat_folded;
DROP TABLE health_stat_totals;
