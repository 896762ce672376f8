ALTER TABLE casualties DROP COLUMN nationality;
ALTER TABLE casualties DROP COLUMN id_type;
