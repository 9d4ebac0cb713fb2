"""SQL for the settings organisers changed from Discord (they override the config file per server)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.settings import SettingKey
from db.codec import instant_from_db, instant_to_db
from db.database import Connection, Database


@dataclass(frozen=True, slots=True)
class StoredSetting:
    key: SettingKey
    value: str
    changed_by: int
    changed_at: datetime


async def stored_settings(db: Database, guild_id: int) -> dict[SettingKey, StoredSetting]:
    """Every setting changed from Discord for the server; keys this version no longer knows are left out."""
    known = {key.value: key for key in SettingKey}
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT key, value, changed_by, changed_at FROM settings WHERE guild_id = ?", (guild_id,)
        )
    return {
        known[row["key"]]: StoredSetting(
            known[row["key"]], row["value"], row["changed_by"], instant_from_db(row["changed_at"])
        )
        for row in rows
        if row["key"] in known
    }


async def store_setting(
    conn: Connection, guild_id: int, key: SettingKey, value: str, changed_by: int, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO settings (guild_id, key, value, changed_by, changed_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value, changed_by = excluded.changed_by,"
        " changed_at = excluded.changed_at",
        (guild_id, key.value, value, changed_by, instant_to_db(now)),
    )


async def drop_setting(conn: Connection, guild_id: int, key: SettingKey) -> bool:
    """Forget the server's change to ``key`` so the config file's value applies again; False if there was none."""
    return await conn.execute("DELETE FROM settings WHERE guild_id = ? AND key = ?", (guild_id, key.value)) > 0


def read_stored_settings(path: Path, guild_id: int) -> dict[str, str]:
    """The server's changes from Discord, read without the bot (``python -m bot check``); none before migration 8."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'").fetchone() is None:
            return {}
        rows = conn.execute("SELECT key, value FROM settings WHERE guild_id = ? ORDER BY key", (guild_id,))
        return {key: value for key, value in rows}
