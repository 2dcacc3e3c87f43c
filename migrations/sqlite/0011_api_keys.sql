-- Keys another system reads an office's figures with from /api/v1/ (see
-- domain::api_key). Only the SHA-256 of a key is kept; the key itself is
-- shown once. `window_start` and `window_count` are the per-key rate limit:
-- the minute (Unix seconds) and how many requests came in it, counted in
-- this row so every instance shares one count.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id    INTEGER NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    label        TEXT    NOT NULL,
    shown        TEXT    NOT NULL,
    key_hash     TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER,
    window_start INTEGER NOT NULL DEFAULT 0,
    window_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_by_office ON api_keys (office_id);
