-- A booking on PostgreSQL may be worked out from the office as its instance
-- last read it; it checks the office's `settings_version` in its transaction
-- and starts again from the office's current row when it moved
-- (store::tickets). So the version also counts every change of the office's
-- own row (its caps, release delay, priority policy, time zone), not only of
-- its hours, holidays, services and webhooks.
CREATE FUNCTION bump_own_settings_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.settings_version := OLD.settings_version + 1;
    RETURN NEW;
END
$$;

-- The bumps of `bump_settings_version` change the version themselves, so
-- they do not count twice.
CREATE TRIGGER office_changed BEFORE UPDATE ON offices
    FOR EACH ROW WHEN (OLD.settings_version = NEW.settings_version AND OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION bump_own_settings_version();
