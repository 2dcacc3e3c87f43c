-- What one verified phone may hold, so a calo cannot take a day's quota with one
-- phone and made-up NIKs: at most this many active numbers at an office on one
-- day, and this many upcoming numbers in all (one per service and day is a rule).
ALTER TABLE offices ADD COLUMN phone_office_day_cap INTEGER NOT NULL DEFAULT 2 CHECK (phone_office_day_cap >= 1);
ALTER TABLE offices ADD COLUMN phone_upcoming_cap INTEGER NOT NULL DEFAULT 5 CHECK (phone_upcoming_cap >= 1);

-- Rows kept for their lock alone ("phone:+62…", "client:203.0.113.7"). A
-- transaction that counts what a phone or client did writes its row first and
-- so holds its lock: on PostgreSQL, two requests of one phone on two instances
-- are counted one after the other, never both against the same count. (SQLite
-- has one writer, which orders them anyway.)
CREATE TABLE locks (
    key        TEXT    PRIMARY KEY,
    touched_at INTEGER NOT NULL
);

-- Every staff sign-in attempt, written (and counted) before the password is
-- checked, so parallel guesses all count; it stays `succeeded = 0` unless the
-- password was right. Wrong passwords lock a username for the address they
-- came from only, so nobody can lock an account for its owner elsewhere.
CREATE TABLE sign_in_attempts (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    username  TEXT    NOT NULL,
    staff_id  INTEGER REFERENCES staff_accounts (id),
    client    TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    succeeded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sign_in_attempts_by_username ON sign_in_attempts (username, client, at);
CREATE INDEX sign_in_attempts_by_client ON sign_in_attempts (client, at);
CREATE INDEX sign_in_attempts_by_staff ON sign_in_attempts (staff_id, at);

-- A password the server made (the first admin's) is changed at first sign-in.
ALTER TABLE staff_accounts ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

-- A cancelled number's place goes back to its day's quota this many minutes
-- after the cancellation, not at once: a bot watching for free places cannot
-- take it the moment it appears. Display numbers are never reused: the
-- sequence still counts every number issued.
ALTER TABLE offices ADD COLUMN release_delay_minutes INTEGER NOT NULL DEFAULT 10 CHECK (release_delay_minutes >= 0);
CREATE INDEX tickets_released ON tickets (issued_service_id, service_date, state, cancelled_at);

-- Puzzles (proof of work) already answered, kept until they expire so that one
-- answer buys one code request. Codes are counted by time for the SMS budget.
CREATE TABLE proofs_used (
    challenge  TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX access_codes_by_time ON access_codes (sent_at);
