-- Reminders that belong to no meeting (the monthly post) must also exist once per kind: a UNIQUE constraint
-- treats NULL meeting ids as distinct, so a partial index enforces it.
CREATE UNIQUE INDEX reminders_by_guild_kind ON reminders (guild_id, kind) WHERE meeting_id IS NULL;
