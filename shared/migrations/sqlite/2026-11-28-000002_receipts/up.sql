-- Filing receipts (docs/integration.md, "6. Filing receipts"): what a statutory submission gets back as proof
-- of when it arrived. See shared/src/receipts.rs for the signed canonical string.

-- The Ed25519 keys this service signs receipts with. The first is made on first use;
-- none is ever deleted, so every receipt issued stays verifiable.
CREATE TABLE receipt_keys (
    kid TEXT PRIMARY KEY,
    private_key_pkcs8 TEXT NOT NULL,   -- base64 of the PKCS#8 DER; never logged or served
    public_key TEXT NOT NULL,          -- base64url (no padding) of the 32-byte key, the JWK "x"
    created_at TIMESTAMP NOT NULL
);

-- Every receipt issued, as signed.
CREATE TABLE receipts (
    reference TEXT PRIMARY KEY,        -- ATVSLD-YYYYMMDD-XXXXXXXXXX
    kind TEXT NOT NULL,                -- what was filed, e.g. accident_declaration
    subject_id TEXT NOT NULL,          -- the filed record
    received_at TIMESTAMP NOT NULL,    -- server time, UTC; timeliness is judged by it
    sha256 TEXT NOT NULL,              -- of the canonical request body
    signature TEXT NOT NULL,           -- base64url Ed25519 signature
    kid TEXT NOT NULL REFERENCES receipt_keys (kid),
    issued_by TEXT NOT NULL            -- the submitting caller (issuer|subject)
);
CREATE INDEX receipts_subject ON receipts (kind, subject_id);
