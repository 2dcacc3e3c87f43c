-- The reminder the evening before a booked date goes out at this hour of the
-- office's own time (0-23), with a one-tap link to cancel.
ALTER TABLE offices ADD COLUMN reminder_hour BIGINT NOT NULL DEFAULT 18 CHECK (reminder_hour BETWEEN 0 AND 23);

-- Notices now also tell of the reminder, of a cancellation by staff, and of a
-- booking moved off a day the office closed after it was made.
ALTER TABLE notifications DROP CONSTRAINT notifications_moment_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_moment_check
    CHECK (moment IN ('near', 'called', 'reminder', 'cancelled', 'moved'));
CREATE INDEX notifications_by_ticket ON notifications (ticket_id);
