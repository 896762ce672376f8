DROP TABLE monitoring_stat_deltas;
DROP TABLE monitoring_report_revisions;
DROP TABLE monitoring_reports;
