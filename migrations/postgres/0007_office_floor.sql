-- A line of announcements the office's admin sets for its display board
-- ("Loket 3 tutup pukul 12.00"); empty shows none.
ALTER TABLE offices ADD COLUMN board_announcement TEXT NOT NULL DEFAULT '';

-- Who takes a service's numbers: 'all' (online, at the kiosk and by staff),
-- 'walk_in' (at the kiosk and by staff only: a walk-in service without the
-- online queue) or 'online' (booked online, or by staff for a citizen).
ALTER TABLE services ADD COLUMN channels TEXT NOT NULL DEFAULT 'all' CHECK (channels IN ('all', 'walk_in', 'online'));
-- Places of the daily quota that online booking leaves for walk-ins.
ALTER TABLE services ADD COLUMN walk_in_reserve BIGINT NOT NULL DEFAULT 0 CHECK (walk_in_reserve >= 0);
