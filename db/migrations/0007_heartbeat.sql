-- The running bot's heartbeat: `python -m bot status` tells a live bot from a hung or stopped one without Discord.
CREATE TABLE heartbeat (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    pid        INTEGER NOT NULL,
    started_at TEXT    NOT NULL,
    beat_at    TEXT    NOT NULL
);
