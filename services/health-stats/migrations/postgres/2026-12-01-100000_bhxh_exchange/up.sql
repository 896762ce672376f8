-- The BHXH exchange (docs/integration.md, "8. The BHXH exchange"): the change feed of diagnosed occupational-disease
-- cases and the benefit decisions BHXH sends back.

-- One row: the last feed sequence handed out. Appends update it first, so on
-- PostgreSQL its row lock orders the appending transactions by commit.
CREATE TABLE bhxh_feed_head (
    id INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL
);
INSERT INTO bhxh_feed_head (id, seq) VALUES (1, 0);

-- One row per change that makes a case enter or change in the feed.
CREATE TABLE bhxh_disease_feed (
    seq BIGINT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES disease_cases (id),
    reason TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);

-- Benefit decisions (quyết định hưởng chế độ BNN) as BHXH sent them, one per decision
-- number; case_id is set when the case reference names a case of the same person,
-- otherwise the decision is kept unmatched for reconciliation.
CREATE TABLE bhxh_benefit_decisions (
    id TEXT PRIMARY KEY,
    decision_number TEXT NOT NULL UNIQUE,
    decision_date DATE NOT NULL,
    personal_id TEXT NOT NULL,
    case_reference TEXT NOT NULL,
    case_id TEXT REFERENCES disease_cases (id),
    capacity_loss_percent BIGINT,
    benefit_type TEXT NOT NULL,
    amount_vnd BIGINT NOT NULL,
    status TEXT NOT NULL,
    received_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX bhxh_benefit_decisions_case ON bhxh_benefit_decisions (case_id);
