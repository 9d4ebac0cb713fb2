-- Who is who: members' business profiles (opt-in, shown only inside the server) and "worth meeting" DMs.

-- One profile per member. The texts are stored as the member wrote them, with @everyone, @here and mentions made
-- harmless (a zero-width space after the @) before they are written.
CREATE TABLE profiles (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    business    TEXT    NOT NULL,
    trade       TEXT    NOT NULL,  -- a trade of the list ([profiles] trades, else the default list), or 'other'
    trade_other TEXT,              -- the member's own words for their trade when trade = 'other'
    offer       TEXT    NOT NULL,
    looking_for TEXT    NOT NULL,
    website     TEXT,              -- always http(s)
    town        TEXT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- "Worth meeting" DMs before meetings: on by default like reminder DMs, kept on the member (not the profile) so that
-- turning them off outlives removing and re-creating a profile.
ALTER TABLE members ADD COLUMN dm_suggestions INTEGER NOT NULL DEFAULT 1 CHECK (dm_suggestions IN (0, 1));
