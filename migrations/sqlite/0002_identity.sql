-- Identity: one-time access codes, the development SMS outbox, staff accounts,
-- sessions, and the server's own secrets.

-- Secrets the server generates on first start (the key for hashing access codes).
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- A code sent by SMS. Only its keyed hash is stored. A booking code carries the
-- booking it will confirm, so nothing typed is lost while the citizen waits.
CREATE TABLE access_codes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id   TEXT    NOT NULL UNIQUE,
    phone       TEXT    NOT NULL,
    client      TEXT    NOT NULL,
    code_hash   BLOB    NOT NULL,
    purpose     TEXT    NOT NULL CHECK (purpose IN ('booking', 'sign_in')),
    payload     TEXT,
    sent_at     INTEGER NOT NULL,
    wrong_tries INTEGER NOT NULL DEFAULT 0,
    used_at     INTEGER
);
CREATE INDEX access_codes_by_phone ON access_codes (phone, sent_at);
CREATE INDEX access_codes_by_client ON access_codes (client, sent_at);

-- Messages kept by the development SMS gateway instead of being sent.
CREATE TABLE sms_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    phone      TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE staff_accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    full_name     TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'staff', 'kiosk')),
    -- NULL for an admin of every office.
    office_id     INTEGER REFERENCES offices (id),
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER,
    created_at    INTEGER NOT NULL,
    disabled_at   INTEGER
);

-- Server-side sessions, so a session can be revoked. The cookie holds a random
-- token; only its hash is stored.
CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash    BLOB    NOT NULL UNIQUE,
    citizen_phone TEXT,
    staff_id      INTEGER REFERENCES staff_accounts (id),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    CHECK ((citizen_phone IS NULL) <> (staff_id IS NULL))
);

ALTER TABLE tickets ADD COLUMN booked_by_staff INTEGER REFERENCES staff_accounts (id);
ALTER TABLE tickets ADD COLUMN cancelled_by_staff INTEGER REFERENCES staff_accounts (id);
CREATE INDEX tickets_by_phone ON tickets (holder_phone, service_date) WHERE holder_phone IS NOT NULL;
