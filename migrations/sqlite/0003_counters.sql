-- Running counters: who sits at a counter and whether it calls, the order of the
-- queue (which survives transfers and no-show requeues), and every call made.

ALTER TABLE offices ADD COLUMN max_calls INTEGER NOT NULL DEFAULT 3 CHECK (max_calls >= 1);
ALTER TABLE offices ADD COLUMN requeue_after INTEGER NOT NULL DEFAULT 5 CHECK (requeue_after >= 0);

ALTER TABLE counters ADD COLUMN status TEXT NOT NULL DEFAULT 'closed'
    CHECK (status IN ('open', 'paused', 'closed'));
ALTER TABLE counters ADD COLUMN staff_id INTEGER REFERENCES staff_accounts (id);

-- The place in the queue: the issue time in microseconds, kept at least 1000
-- above the previous ticket of the day so that a requeued no-show always finds
-- room between two tickets. Ties (none in practice) are broken by id.
ALTER TABLE tickets ADD COLUMN queue_key INTEGER;
UPDATE tickets SET queue_key = issued_at * 1000 + id;
CREATE INDEX tickets_waiting_order ON tickets (service_date, state, queue_key, id);
CREATE INDEX tickets_day_order ON tickets (service_date, queue_key);

CREATE TABLE calls (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    counter_id INTEGER NOT NULL REFERENCES counters (id),
    called_at  INTEGER NOT NULL,
    recall     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX calls_by_ticket ON calls (ticket_id);
CREATE INDEX calls_by_counter ON calls (counter_id, called_at);
