-- Offices, their services and counters, the working-day calendar, and tickets.
-- Dates are ISO 'YYYY-MM-DD' text in the office's local calendar; instants are
-- Unix milliseconds (UTC).

CREATE TABLE offices (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    address     TEXT    NOT NULL DEFAULT '',
    time_zone   TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- One row per open weekday (0 = Monday); a weekday without a row is closed.
CREATE TABLE office_hours (
    office_id INTEGER NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    weekday   INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    opens     TEXT    NOT NULL,
    closes    TEXT    NOT NULL CHECK (closes > opens),
    PRIMARY KEY (office_id, weekday)
);

-- National holidays, joint leave days (cuti bersama) and the office's own closures.
CREATE TABLE holidays (
    office_id INTEGER NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    date      TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    PRIMARY KEY (office_id, date)
);

CREATE TABLE services (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id    INTEGER NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    prefix       TEXT    NOT NULL CHECK (length(prefix) = 1),
    name_id      TEXT    NOT NULL,
    name_en      TEXT    NOT NULL,
    daily_quota  INTEGER NOT NULL DEFAULT 200 CHECK (daily_quota >= 0),
    horizon_days INTEGER NOT NULL DEFAULT 30 CHECK (horizon_days >= 0),
    position     INTEGER NOT NULL DEFAULT 0,
    active       INTEGER NOT NULL DEFAULT 1,
    UNIQUE (office_id, prefix)
);

-- A counter (loket) is a desk; it serves one or more services.
CREATE TABLE counters (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id INTEGER NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    name      TEXT    NOT NULL,
    UNIQUE (office_id, name)
);

CREATE TABLE counter_services (
    counter_id INTEGER NOT NULL REFERENCES counters (id) ON DELETE CASCADE,
    service_id INTEGER NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    PRIMARY KEY (counter_id, service_id)
);

-- How many tickets a service has issued for a date. The quota is enforced by
-- incrementing this row only while it is below the service's daily quota, which
-- also hands out the ticket's sequence number without gaps.
CREATE TABLE service_days (
    service_id   INTEGER NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    service_date TEXT    NOT NULL,
    issued       INTEGER NOT NULL CHECK (issued >= 0),
    PRIMARY KEY (service_id, service_date)
);

CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    public_code     TEXT    NOT NULL UNIQUE,
    -- The service whose quota and sequence the ticket took.
    issued_service_id INTEGER NOT NULL REFERENCES services (id),
    -- The service whose queue it waits in now (another after a transfer).
    service_id      INTEGER NOT NULL REFERENCES services (id),
    service_date    TEXT    NOT NULL,
    requested_date  TEXT    NOT NULL,
    rollover_reason TEXT,
    sequence        INTEGER NOT NULL CHECK (sequence >= 1),
    display_number  TEXT    NOT NULL,
    holder_name     TEXT,
    holder_nik      TEXT,
    holder_phone    TEXT,
    holder_email    TEXT,
    channel         TEXT    NOT NULL CHECK (channel IN ('online', 'walk_in', 'staff_assisted')),
    state           TEXT    NOT NULL DEFAULT 'waiting'
                    CHECK (state IN ('waiting', 'called', 'serving', 'done', 'no_show', 'cancelled')),
    cancel_reason   TEXT,
    call_count      INTEGER NOT NULL DEFAULT 0,
    counter_id      INTEGER REFERENCES counters (id),
    issued_at       INTEGER NOT NULL,
    called_at       INTEGER,
    serving_at      INTEGER,
    done_at         INTEGER,
    no_show_at      INTEGER,
    cancelled_at    INTEGER,
    UNIQUE (issued_service_id, service_date, sequence)
);

-- One active ticket per NIK per service per date.
CREATE UNIQUE INDEX tickets_one_active_per_nik
    ON tickets (issued_service_id, service_date, holder_nik)
    WHERE holder_nik IS NOT NULL AND state IN ('waiting', 'called', 'serving');

CREATE INDEX tickets_by_state ON tickets (service_id, service_date, state, sequence);
CREATE INDEX tickets_by_nik ON tickets (holder_nik, issued_service_id) WHERE holder_nik IS NOT NULL;
