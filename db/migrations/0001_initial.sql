-- Initial schema. Every aggregate is keyed by the Discord guild id (directly, or through its meeting) so one bot
-- can serve several servers. Instants are stored as UTC ISO-8601 text ("2026-12-01T16:30:00+00:00"), which sorts
-- correctly; Discord ids are INTEGER (64-bit).

CREATE TABLE meetings (
    id                      INTEGER PRIMARY KEY,
    guild_id                INTEGER NOT NULL,
    starts_at               TEXT    NOT NULL,
    timezone                TEXT    NOT NULL,
    duration_minutes        INTEGER NOT NULL DEFAULT 150 CHECK (duration_minutes > 0),
    format                  TEXT    NOT NULL CHECK (format IN ('1.0', '2.0')),
    topic                   TEXT,
    speaker                 TEXT,
    venue                   TEXT    NOT NULL,
    description             TEXT,
    capacity                INTEGER CHECK (capacity IS NULL OR capacity > 0),
    status                  TEXT    NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'cancelled')),
    cancel_reason           TEXT,
    announcement_channel_id INTEGER,
    announcement_message_id INTEGER,
    scheduled_event_id      INTEGER,
    created_by              INTEGER NOT NULL,
    created_at              TEXT    NOT NULL,
    updated_at              TEXT    NOT NULL
);
CREATE INDEX meetings_by_guild_start ON meetings (guild_id, status, starts_at);
CREATE UNIQUE INDEX meetings_by_announcement ON meetings (announcement_message_id)
    WHERE announcement_message_id IS NOT NULL;

-- One RSVP state per member and meeting; 'waiting' is the waiting list (ordered by waiting_since).
CREATE TABLE rsvps (
    meeting_id    INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('going', 'maybe', 'not_going', 'waiting')),
    waiting_since TEXT,
    changed_at    TEXT    NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX rsvps_by_state ON rsvps (meeting_id, state, waiting_since);

CREATE TABLE guests (
    id           INTEGER PRIMARY KEY,
    meeting_id   INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    host_user_id INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    business     TEXT,
    created_at   TEXT    NOT NULL
);
CREATE INDEX guests_by_meeting ON guests (meeting_id, host_user_id);

CREATE TABLE attendance (
    meeting_id    INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    checked_in_at TEXT    NOT NULL,
    source        TEXT    NOT NULL CHECK (source IN ('self', 'organiser')),
    PRIMARY KEY (meeting_id, user_id)
);

-- Program slots: hot seat / brag spot at 2.0 meetings, newcomer intros at 1.0 meetings.
CREATE TABLE program_slots (
    id         INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('hot_seat', 'brag_spot', 'intro')),
    topic      TEXT,
    brief      TEXT,
    status     TEXT    NOT NULL CHECK (status IN ('volunteered', 'invited', 'confirmed', 'declined', 'withdrawn')),
    position   INTEGER,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    UNIQUE (meeting_id, user_id, kind)
);
CREATE INDEX program_slots_by_meeting ON program_slots (meeting_id, kind, status);

-- Reminders: one row per (meeting, kind) with its due instant and delivery state. The scheduler is only a timer.
CREATE TABLE reminders (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL,
    meeting_id         INTEGER REFERENCES meetings (id) ON DELETE CASCADE,
    kind               TEXT    NOT NULL,
    due_at             TEXT    NOT NULL,
    state              TEXT    NOT NULL DEFAULT 'pending'
                               CHECK (state IN ('pending', 'sending', 'sent', 'skipped', 'cancelled')),
    channel_message_id INTEGER,
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT,
    sent_at            TEXT,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    UNIQUE (guild_id, meeting_id, kind)
);
CREATE INDEX reminders_due ON reminders (state, due_at);

-- Per-recipient DM delivery of a reminder, so a crash midway resumes with those not yet reached.
CREATE TABLE reminder_deliveries (
    reminder_id INTEGER NOT NULL REFERENCES reminders (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'refused', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    message_id  INTEGER,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (reminder_id, user_id)
);

CREATE TABLE polls (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    meeting_id  INTEGER REFERENCES meetings (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('feedback', 'general')),
    question    TEXT    NOT NULL,
    anonymous   INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
    status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closes_at   TEXT,
    channel_id  INTEGER,
    message_id  INTEGER,
    created_by  INTEGER,
    created_at  TEXT    NOT NULL
);
CREATE INDEX polls_by_guild ON polls (guild_id, status, closes_at);

CREATE TABLE poll_options (
    poll_id  INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label    TEXT    NOT NULL,
    PRIMARY KEY (poll_id, position)
);

-- One answer per member per poll: a rating (feedback, 1-5), an option (general polls) and/or a comment.
CREATE TABLE poll_answers (
    poll_id     INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    rating      INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
    option      INTEGER,
    comment     TEXT,
    answered_at TEXT    NOT NULL,
    PRIMARY KEY (poll_id, user_id)
);

CREATE TABLE topics (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    author_id  INTEGER NOT NULL,
    text       TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'planned', 'closed')),
    meeting_id INTEGER REFERENCES meetings (id) ON DELETE SET NULL,
    channel_id INTEGER,
    message_id INTEGER,
    created_at TEXT    NOT NULL
);
CREATE INDEX topics_by_guild ON topics (guild_id, status);

CREATE TABLE topic_votes (
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL,
    voted_at TEXT    NOT NULL,
    PRIMARY KEY (topic_id, user_id)
);

-- What the bot knows of a member: preferred language (last client locale seen), DM reminders, join date.
CREATE TABLE members (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    display_name TEXT,
    language     TEXT CHECK (language IS NULL OR language IN ('da', 'en')),
    dm_reminders INTEGER NOT NULL DEFAULT 1 CHECK (dm_reminders IN (0, 1)),
    joined_at    TEXT,
    welcomed_at  TEXT,
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- The hash of the last command tree synced per application and guild (0 = global), so restarts don't re-sync.
CREATE TABLE command_sync (
    application_id INTEGER NOT NULL,
    guild_id       INTEGER NOT NULL,
    tree_hash      TEXT    NOT NULL,
    synced_at      TEXT    NOT NULL,
    PRIMARY KEY (application_id, guild_id)
);
