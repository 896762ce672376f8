DROP TABLE establishments;
