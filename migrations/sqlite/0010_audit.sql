-- Who changed what, and when (see domain::audit): one row per change made by
-- a staff, admin or kiosk account (and per sign-in), written in the same
-- transaction as the change. The app only ever inserts; the retention job
-- deletes rows older than `audit_settings.retention_days`.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    -- The office the change concerns; NULL for what concerns no one office
    -- (a global admin's sign-in, the retention job).
    office_id    INTEGER,
    -- NULL for the system itself, and for a failed sign-in of an unknown name.
    account_id   INTEGER,
    -- The username at the time (the typed one for a failed sign-in).
    account_name TEXT    NOT NULL,
    address      TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    object       TEXT    NOT NULL,
    -- JSON objects of the fields that changed: their values before and after.
    before       TEXT    NOT NULL DEFAULT '{}',
    after        TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_by_office ON audit_log (office_id, at);
CREATE INDEX audit_log_by_time ON audit_log (at);

-- One row: how long audit entries are kept, set by a global admin.
CREATE TABLE audit_settings (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    retention_days INTEGER NOT NULL
);
INSERT INTO audit_settings (id, retention_days) VALUES (1, 730);
