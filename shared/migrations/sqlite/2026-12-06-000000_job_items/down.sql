DROP TABLE job_items;
