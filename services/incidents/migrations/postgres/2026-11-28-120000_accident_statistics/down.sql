DROP TABLE accident_stat_deltas;
