-- The statistics counters split into eight slots per group and day: a write adds to
-- the slot of its request (shared/src/context.rs, spread), so concurrent declarations
-- of one day no longer queue on the same "total" and cause rows. Sums over the slots
-- are the figures, as before. Existing rows become slot 0.
ALTER TABLE accident_stat_deltas ADD COLUMN slot SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE accident_stat_deltas ALTER COLUMN slot DROP DEFAULT;
ALTER TABLE accident_stat_deltas DROP CONSTRAINT accident_stat_deltas_pkey;
ALTER TABLE accident_stat_deltas
    ADD PRIMARY KEY (dim_kind, period_month, changed_on, sector, dim_value, slot);
