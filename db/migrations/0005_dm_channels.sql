-- A member's DM channel never changes on Discord; keeping its id spares one request per DM (discord.py caches only
-- the 128 most recent DM channels, so large fan-outs would otherwise open every channel again).
CREATE TABLE dm_channels (
    user_id    INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL
);
