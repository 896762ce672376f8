DROP TABLE quick_reports;
