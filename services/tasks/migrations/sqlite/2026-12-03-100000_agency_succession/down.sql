UPDATE agencies SET reports = TRUE WHERE code = 'UBND-XA';
DROP TABLE agency_successors;
ALTER TABLE assignments DROP COLUMN valid_to;
ALTER TABLE assignments DROP COLUMN valid_from;
