-- A casualty is identified by one of three documents (domain/identity.rs): the
-- 12-digit personal ID, the 9-digit identity card (CMND), or a passport or foreign
-- identity document with its nationality. `personal_id` holds the document's number;
-- the rows from before are all personal IDs, and Vietnamese.
ALTER TABLE casualties ADD COLUMN id_type TEXT NOT NULL DEFAULT 'personal_id';
ALTER TABLE casualties ADD COLUMN nationality TEXT NOT NULL DEFAULT 'VN';
