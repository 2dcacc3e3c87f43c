-- A holder's rating of a finished ticket's service (see domain::feedback):
-- one per ticket, 1-5, with an optional comment.
CREATE TABLE feedback (
    ticket_id BIGINT  PRIMARY KEY REFERENCES tickets (id),
    rating    BIGINT  NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment   TEXT    NOT NULL DEFAULT '',
    given_at  BIGINT  NOT NULL
);

-- Notices now also thank the holder of a finished ticket and ask for a rating.
ALTER TABLE notifications DROP CONSTRAINT notifications_moment_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_moment_check
    CHECK (moment IN ('near', 'called', 'reminder', 'cancelled', 'moved', 'finished'));
