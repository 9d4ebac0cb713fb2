-- Settings organisers changed from Discord with /settings; each row overrides the config file's value for its key.
-- The value is stored in the config file's own spelling (e.g. "7d, 1d", "17:30", a channel id).
CREATE TABLE settings (
    guild_id   INTEGER NOT NULL,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    changed_by INTEGER NOT NULL,
    changed_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, key)
);
