-- The statistics counters split into eight slots per group and day, as incidents'
-- are: a write adds to the slot of its request (shared/src/context.rs, spread), so
-- concurrent filings of one day no longer queue on the same rows. Sums over the slots
-- are the figures, as before. Existing rows become slot 0.
ALTER TABLE health_stat_deltas ADD COLUMN slot SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE health_stat_deltas ALTER COLUMN slot DROP DEFAULT;
ALTER TABLE health_stat_deltas DROP CONSTRAINT health_stat_deltas_pkey;
ALTER TABLE health_stat_deltas ADD PRIMARY KEY (dim_kind, period, changed_on, dim_value, slot);

ALTER TABLE monitoring_stat_deltas ADD COLUMN slot SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE monitoring_stat_deltas ALTER COLUMN slot DROP DEFAULT;
ALTER TABLE monitoring_stat_deltas DROP CONSTRAINT monitoring_stat_deltas_pkey;
ALTER TABLE monitoring_stat_deltas ADD PRIMARY KEY (dim_kind, period_year, changed_on, dim_value, slot);
