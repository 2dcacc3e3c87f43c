-- Priority lines (see domain::priority): the categories an office serves
-- first, how its counters choose between the two lines, the longest an
-- ordinary ticket waits before it goes first anyway, and whether citizens may
-- declare a category when booking online.
ALTER TABLE offices ADD COLUMN priority_categories TEXT NOT NULL DEFAULT 'elderly,disabled,pregnant';
ALTER TABLE offices ADD COLUMN priority_mode TEXT NOT NULL DEFAULT 'first' CHECK (priority_mode IN ('first', 'every'));
ALTER TABLE offices ADD COLUMN priority_every INTEGER NOT NULL DEFAULT 3 CHECK (priority_every >= 2);
ALTER TABLE offices ADD COLUMN ordinary_max_wait INTEGER NOT NULL DEFAULT 60 CHECK (ordinary_max_wait >= 0);
ALTER TABLE offices ADD COLUMN priority_online INTEGER NOT NULL DEFAULT 0 CHECK (priority_online IN (0, 1));

-- The category a ticket is served first for; none for an ordinary ticket.
ALTER TABLE tickets ADD COLUMN priority TEXT
    CHECK (priority IN ('elderly', 'disabled', 'pregnant', 'with_infant', 'veteran'));
