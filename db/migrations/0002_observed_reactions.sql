-- The RSVP reactions the bot has seen on each announcement. At start the bot compares them with the reactions
-- Discord reports, so reactions added *and removed* while it was offline are replayed as the events it missed.
CREATE TABLE announcement_reactions (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    emoji      TEXT    NOT NULL,
    seen_at    TEXT    NOT NULL,
    PRIMARY KEY (meeting_id, user_id, emoji)
);
