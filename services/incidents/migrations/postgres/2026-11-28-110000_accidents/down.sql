DROP TABLE investigations;
DROP TABLE accident_revisions;
DROP TABLE severity_changes;
DROP TABLE casualties;
DROP TABLE accidents;
