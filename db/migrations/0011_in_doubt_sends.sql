-- Sends in doubt: a message the bot resends when it resumes (a round's DM or post, a meeting's announcement) is
-- marked here before it goes to Discord, and the mark gives way to the outcome once that is recorded. A bot killed in
-- between finds the mark at the next start and looks in the channel for the message it may have sent, instead of
-- sending it again: Discord returns the first message for a repeated nonce only within a few minutes.

-- A delivery gains the state 'sending' (marked, outcome unknown). SQLite cannot change a CHECK in place, so the table
-- is rebuilt and every row kept.
CREATE TABLE round_deliveries_new (
    round_id     INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending'
                         CHECK (state IN ('pending', 'sending', 'sent', 'refused', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    message_id   INTEGER,
    -- While 'sending': when the DM went out, and a fingerprint of what it says to recognise it in the DM channel.
    attempted_at TEXT,
    fingerprint  TEXT,
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (round_id, user_id),
    CHECK ((state = 'sending') = (fingerprint IS NOT NULL))
);
INSERT INTO round_deliveries_new (round_id, user_id, state, attempts, message_id, updated_at)
SELECT round_id, user_id, state, attempts, message_id, updated_at FROM round_deliveries;
DROP TABLE round_deliveries;
ALTER TABLE round_deliveries_new RENAME TO round_deliveries;

-- A round's one channel post (a reminder, the monthly post, a brief, a feedback poll or summary) in doubt: where it
-- went, a fingerprint of what it says and when; cleared when the post's message id is recorded.
ALTER TABLE rounds ADD COLUMN post_channel_id INTEGER;
ALTER TABLE rounds ADD COLUMN post_fingerprint TEXT;
ALTER TABLE rounds ADD COLUMN post_attempted_at TEXT;

-- A meeting's announcement in doubt: announcement_channel_id says where, announcement_message_id is still empty.
ALTER TABLE meetings ADD COLUMN announcement_fingerprint TEXT;
ALTER TABLE meetings ADD COLUMN announcement_attempted_at TEXT;
