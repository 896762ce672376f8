DROP TABLE health_stat_deltas;
DROP TABLE disease_case_revisions;
DROP TABLE disease_cases;
DROP TABLE health_exam_report_revisions;
DROP TABLE health_exam_reports;
