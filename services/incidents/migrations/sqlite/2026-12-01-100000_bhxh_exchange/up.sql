-- The BHXH exchange (docs/integration.md, "8. The BHXH exchange"): the change feed of confirmed occupational-accident
-- casualties and the benefit decisions BHXH sends back.

-- One row: the last feed sequence handed out. Appends update it first, so on
-- PostgreSQL its row lock orders the appending transactions by commit.
CREATE TABLE bhxh_feed_head (
    id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL
);
INSERT INTO bhxh_feed_head (id, seq) VALUES (1, 0);

-- One row per change that makes a casualty enter, change in or leave the feed.
CREATE TABLE bhxh_accident_feed (
    seq INTEGER PRIMARY KEY,
    casualty_id TEXT NOT NULL REFERENCES casualties (id),
    accident_id TEXT NOT NULL REFERENCES accidents (id),
    reason TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);

-- Benefit decisions (quyết định hưởng chế độ TNLĐ) as BHXH sent them, one per
-- decision number; casualty_id is set when the case reference names a casualty of
-- the same person, otherwise the decision is kept unmatched for reconciliation.
CREATE TABLE bhxh_benefit_decisions (
    id TEXT PRIMARY KEY,
    decision_number TEXT NOT NULL UNIQUE,
    decision_date DATE NOT NULL,
    personal_id TEXT NOT NULL,
    case_reference TEXT NOT NULL,
    casualty_id TEXT REFERENCES casualties (id),
    capacity_loss_percent INTEGER,
    benefit_type TEXT NOT NULL,
    amount_vnd INTEGER NOT NULL,
    status TEXT NOT NULL,
    received_by TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX bhxh_benefit_decisions_casualty ON bhxh_benefit_decisions (casualty_id);
CREATE INDEX bhxh_benefit_decisions_date ON bhxh_benefit_decisions (decision_date);
