DROP TABLE accident_report_revisions;
DROP TABLE accident_reports;
