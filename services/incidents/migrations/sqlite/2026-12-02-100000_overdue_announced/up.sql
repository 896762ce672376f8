-- When the overdue job announced the accident's late investigation: set once, by the
-- replica whose update claims the row, so the event is published once.
ALTER TABLE accidents ADD COLUMN overdue_announced_at TIMESTAMP;
-- Accidents announced before this column existed keep their announcement (the outbox
-- holds it), so an upgrade does not publish them a second time.
UPDATE accidents SET overdue_announced_at = (
    SELECT min(occurred_at) FROM outbox_events
    WHERE event_type = 'accident.investigation_overdue' AND subject = accidents.id
);
