-- Which edit of an office's hours, holidays and services is current. A server
-- keeps those in memory under this number, so a booking reads the office's row
-- alone instead of four tables. The database bumps it itself, so no change,
-- from whatever code or instance, can leave a server with stale settings.
ALTER TABLE offices ADD COLUMN settings_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION bump_settings_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE offices SET settings_version = settings_version + 1 WHERE id = OLD.office_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE offices SET settings_version = settings_version + 1 WHERE id = NEW.office_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER office_hours_changed AFTER INSERT OR UPDATE OR DELETE ON office_hours
    FOR EACH ROW EXECUTE FUNCTION bump_settings_version();
CREATE TRIGGER holidays_changed AFTER INSERT OR UPDATE OR DELETE ON holidays
    FOR EACH ROW EXECUTE FUNCTION bump_settings_version();
CREATE TRIGGER services_changed AFTER INSERT OR UPDATE OR DELETE ON services
    FOR EACH ROW EXECUTE FUNCTION bump_settings_version();
