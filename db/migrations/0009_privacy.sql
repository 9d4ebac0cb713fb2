-- Members' data rights (/mydata, /forget, leavers, retention).

-- Members who left the server: their answers for coming meetings were released at once; the rest of their data is
-- erased by a timed round after [privacy] keep_after_leave, unless they rejoin first (then the row goes).
CREATE TABLE leavers (
    id       INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    left_at  TEXT    NOT NULL,
    UNIQUE (guild_id, user_id)
);

-- How an erasure is honoured later: a forgotten member's reactions may still sit on posts the bot could not clean,
-- and a member still in the server is still in Discord's member list; neither may bring their data back at a start.
-- Members are named only by a keyed hash (the key never leaves this database).
CREATE TABLE erasures (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    member_key TEXT    NOT NULL,
    erased_at  TEXT    NOT NULL
);
CREATE INDEX erasures_by_member ON erasures (guild_id, member_key);

CREATE TABLE privacy_secret (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    key BLOB    NOT NULL
);

-- What erasures and retention did, as counts only: /privacy report reads it. No row names a member.
CREATE TABLE privacy_log (
    id       INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    kind     TEXT    NOT NULL CHECK (kind IN ('forget', 'forget_by_organiser', 'leaver', 'retention')),
    counts   TEXT    NOT NULL,  -- JSON object of counts, e.g. {"comments": 3}
    at       TEXT    NOT NULL
);
