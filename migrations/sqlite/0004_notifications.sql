-- Notices to ticket holders ("almost your turn", "called"), written in the same
-- moment as the queue change and sent by a background sender, so a notice
-- survives a restart and is sent once: the unique key makes a second write of
-- the same notice a no-op.
CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id       INTEGER NOT NULL REFERENCES tickets (id),
    moment          TEXT    NOT NULL CHECK (moment IN ('near', 'called')),
    -- 0 for 'near'; the call (1, 2, 3) for 'called'.
    call_number     INTEGER NOT NULL,
    channel         TEXT    NOT NULL CHECK (channel IN ('sms', 'email', 'push')),
    -- A phone number, an email address, or for push the id of a push subscription.
    recipient       TEXT    NOT NULL,
    subject         TEXT,
    body            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    failed_at       INTEGER,
    last_error      TEXT,
    UNIQUE (ticket_id, moment, call_number, channel, recipient)
);

CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- A browser's web push subscription (RFC 8030), for the citizen signed in with this phone.
CREATE TABLE push_subscriptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    phone      TEXT    NOT NULL,
    endpoint   TEXT    NOT NULL UNIQUE,
    -- The browser's P-256 public key and auth secret (RFC 8291), base64url.
    p256dh     TEXT    NOT NULL,
    auth       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX push_subscriptions_by_phone ON push_subscriptions (phone);
