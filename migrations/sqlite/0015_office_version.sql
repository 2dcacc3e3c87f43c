-- A booking on PostgreSQL may be worked out from the office as its instance
-- last read it; it checks the office's `settings_version` in its transaction
-- and starts again from the office's current row when it moved
-- (store::tickets). So the version also counts every change of the office's
-- own row (its caps, release delay, priority policy, time zone), not only of
-- its hours, holidays, services and webhooks; the same on SQLite, so the two
-- engines keep one meaning.
--
-- The bumps of the settings' triggers change the version themselves, so
-- they do not count twice.
CREATE TRIGGER office_changed AFTER UPDATE ON offices
WHEN OLD.settings_version = NEW.settings_version
BEGIN UPDATE offices SET settings_version = settings_version + 1 WHERE id = NEW.id; END;
