DROP TABLE establishment_revisions;
DROP TABLE establishments;
