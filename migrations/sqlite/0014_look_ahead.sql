-- How many times each lock was taken. A booking takes its phone's lock in the
-- same statement as its first reads; when the count it took is one more than
-- the count its snapshot saw, no other holder of the lock committed in
-- between, so the reads counted every booking of the phone (store::tickets).
ALTER TABLE locks ADD COLUMN taken INTEGER NOT NULL DEFAULT 0;

-- An office's webhooks belong with its settings: a booking for an office
-- without a webhook for `ticket.issued` then writes no delivery, and the
-- database bumps the version itself when a webhook is added, changes its
-- events or is removed (not when a delivery is tried).
CREATE TRIGGER webhooks_added AFTER INSERT ON webhooks
BEGIN UPDATE offices SET settings_version = settings_version + 1 WHERE id = NEW.office_id; END;
CREATE TRIGGER webhooks_changed AFTER UPDATE OF office_id, events, removed_at ON webhooks
BEGIN UPDATE offices SET settings_version = settings_version + 1 WHERE id IN (OLD.office_id, NEW.office_id); END;
CREATE TRIGGER webhooks_removed AFTER DELETE ON webhooks
BEGIN UPDATE offices SET settings_version = settings_version + 1 WHERE id = OLD.office_id; END;
