-- A holder's rating of a finished ticket's service (see domain::feedback):
-- one per ticket, 1-5, with an optional comment.
CREATE TABLE feedback (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id),
    rating    INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment   TEXT    NOT NULL DEFAULT '',
    given_at  INTEGER NOT NULL
);

-- Notices now also thank the holder of a finished ticket and ask for a
-- rating. SQLite cannot change a CHECK constraint in place, so the table is
-- built again with the same rows and ids.
CREATE TABLE notifications_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id       INTEGER NOT NULL REFERENCES tickets (id),
    moment          TEXT    NOT NULL
                    CHECK (moment IN ('near', 'called', 'reminder', 'cancelled', 'moved', 'finished')),
    -- 0 for every moment but 'called'; the call (1, 2, 3) for 'called'.
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
INSERT INTO notifications_new SELECT id, ticket_id, moment, call_number, channel, recipient, subject, body,
    created_at, attempts, next_attempt_at, sent_at, failed_at, last_error FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
-- A ticket's notices: who was told what.
CREATE INDEX notifications_by_ticket ON notifications (ticket_id);
