-- Timed rounds: every piece of timed work (reminders, the monthly post, "still coming?", invitations, briefs,
-- check-in, feedback polls, poll closing, notices of a change) is one row with one state machine:
-- pending → sending → sent | skipped | failed | cancelled. A finished row is history and is never reopened; at most
-- one row per (meeting, kind, subject) is open at a time, which a partial unique index enforces.
CREATE TABLE rounds (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL,
    meeting_id         INTEGER REFERENCES meetings (id) ON DELETE CASCADE,
    kind               TEXT    NOT NULL,
    subject            TEXT    NOT NULL DEFAULT '',
    -- The meeting start the row was planned for: a finished row for the same start is never planned again.
    planned_for        TEXT,
    due_at             TEXT    NOT NULL,
    retry_at           TEXT,
    state              TEXT    NOT NULL DEFAULT 'pending'
                               CHECK (state IN ('pending', 'sending', 'sent', 'skipped', 'failed', 'cancelled')),
    reason             TEXT,
    audience_fixed     INTEGER NOT NULL DEFAULT 0 CHECK (audience_fixed IN (0, 1)),
    channel_message_id INTEGER,
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT,
    finished_at        TEXT,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);
CREATE UNIQUE INDEX rounds_one_open ON rounds (guild_id, ifnull(meeting_id, 0), kind, subject)
    WHERE state IN ('pending', 'sending');
CREATE INDEX rounds_by_meeting ON rounds (meeting_id, kind, subject);
CREATE INDEX rounds_unfinished ON rounds (guild_id, state, due_at);

CREATE TABLE round_deliveries (
    round_id   INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'refused', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    message_id INTEGER,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (round_id, user_id)
);

-- The old rows keep their ids and history; kinds written as "prefix:subject" become (kind, subject).
INSERT INTO rounds (id, guild_id, meeting_id, kind, subject, planned_for, due_at, state, reason, audience_fixed,
                    channel_message_id, attempts, last_error, finished_at, created_at, updated_at)
SELECT r.id, r.guild_id, r.meeting_id,
       CASE
           WHEN r.kind LIKE 'before:%' THEN 'reminder'
           WHEN r.kind LIKE 'monthly:%' THEN 'monthly'
           WHEN r.kind LIKE 'manual:%' THEN 'manual_reminder'
           WHEN r.kind LIKE 'poll_close:%' THEN 'poll_close'
           ELSE r.kind
       END,
       CASE WHEN instr(r.kind, ':') > 0 THEN substr(r.kind, instr(r.kind, ':') + 1) ELSE '' END,
       m.starts_at, r.due_at, r.state,
       CASE WHEN r.state IN ('skipped', 'cancelled') THEN r.last_error END,
       CASE WHEN EXISTS (SELECT 1 FROM reminder_deliveries d WHERE d.reminder_id = r.id) THEN 1 ELSE 0 END,
       r.channel_message_id, r.attempts, r.last_error, r.sent_at, r.created_at, r.updated_at
FROM reminders r LEFT JOIN meetings m ON m.id = r.meeting_id;

INSERT INTO round_deliveries (round_id, user_id, state, attempts, message_id, updated_at)
SELECT reminder_id, user_id, state, attempts, message_id, updated_at FROM reminder_deliveries;

DROP TABLE reminder_deliveries;
DROP TABLE reminders;
