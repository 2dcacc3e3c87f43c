-- Webhooks (see domain::webhook): an office's own systems told over HTTPS when
-- its tickets move. A delivery is written in the ticket change's transaction
-- and sent by a background sender, so none is lost to a restart.
CREATE TABLE webhooks (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id          INTEGER NOT NULL REFERENCES offices (id),
    url                TEXT    NOT NULL,
    -- Signs every delivery; shown to the admin once, kept to sign.
    secret             TEXT    NOT NULL,
    -- The events subscribed to, between commas: ',ticket.issued,ticket.called,'.
    events             TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    -- Until then a page opened from the creation (or a new secret) shows the
    -- secret once; NULL once shown, or when it was answered to the caller.
    reveal_until       INTEGER,
    -- A removed webhook is kept (its deliveries name it) but gets no more.
    removed_at         INTEGER,
    last_attempt_at    INTEGER,
    -- 'HTTP 200', 'HTTP 503', or the connection's error.
    last_result        TEXT,
    last_ok            INTEGER
);
CREATE INDEX webhooks_of_office ON webhooks (office_id) WHERE removed_at IS NULL;

CREATE TABLE webhook_deliveries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id    INTEGER NOT NULL REFERENCES webhooks (id),
    event         TEXT    NOT NULL,
    -- The JSON of what happened (domain::webhook::EventBody); the sender adds
    -- the event and this row's id, and signs the whole.
    body          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    -- A sender has it in hand until then (another instance passes it over).
    claimed_until INTEGER,
    delivered_at  INTEGER,
    given_up_at   INTEGER,
    last_result   TEXT
);
-- What the sender looks for, and the pending count on the admin page.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, id)
    WHERE delivered_at IS NULL AND given_up_at IS NULL;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (due_at)
    WHERE delivered_at IS NULL AND given_up_at IS NULL;
-- What the hourly tidy-up removes, oldest first.
CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries (created_at);
