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
