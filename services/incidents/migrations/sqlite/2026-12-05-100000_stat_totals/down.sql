DROP INDEX accident_stat_deltas_changed;
DROP TABLE accident_stat_folded;
DROP TABLE accident_stat_totals;
