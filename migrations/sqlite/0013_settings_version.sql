-- Which edit of an office's hours, holidays and services is current. A server
-- keeps those in memory under this number, so a booking reads the office's row
-- alone instead of four tables. The database bumps it itself, so no change,
-- from whatever code or instance, can leave a server with stale settings.
ALTER TABLE offices ADD COLUMN settings_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER office_hours_added AFTER INSERT ON office_hours
BEGIN UPDATE offices SET settings_version = settings_version + 1 WHERE id = NEW.office_id; END;
CREATE TRIGGER office_hours_changed AFTER UPDATE ON office_hours
BEGIN UPDATE offices SET settings_version = settings_version + 1 WHERE id IN (OLD.office_id, NEW.office_id); END;
CREATE TRIGGER office_hours_removed AFTER DELETE ON office_hours
BEGIN UPDATE offices SET settings_version = settings_version + 1 WHERE id = OLD.office_id; END;

CREATE TRIGGER holidays_added AFTER INSERT ON holidays
BEGIN UPDATE offices SET settings_version = settings_version + 1 WHERE id = NEW.office_id; END;
CREATE TRIGGER holidays_changed AFTER UPDATE ON holidays
BEGIN UPDATE offices SET settings_version = settings_version + 1 WHERE id IN (OLD.office_id, NEW.office_id); END;
CREATE TRIGGER holidays_removed AFTER DELETE ON holidays
BEGIN UPDATE offices SET settings_version = settings_version + 1 WHERE id = OLD.office_id; END;

CREATE TRIGGER services_added AFTER INSERT ON services
BEGIN UPDATE offices SET settings_version = settings_version + 1 WHERE id = NEW.office_id; END;
CREATE TRIGGER services_changed AFTER UPDATE ON services
BEGIN UPDATE offices SET settings_version = settings_version + 1 WHERE id IN (OLD.office_id, NEW.office_id); END;
CREATE TRIGGER services_removed AFTER DELETE ON services
BEGIN UPDATE offices SET settings_version = settings_version + 1 WHERE id = OLD.office_id; END;
