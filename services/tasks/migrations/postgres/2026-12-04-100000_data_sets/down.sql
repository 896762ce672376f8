ALTER TABLE plan_reports DROP COLUMN indicator_values;
DROP TABLE data_set_assignments;
DROP TABLE indicator_rules;
DROP TABLE indicators;
DROP TABLE indicator_category_options;
DROP TABLE indicator_categories;
DROP TABLE data_sets;
