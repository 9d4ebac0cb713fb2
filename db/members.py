"""SQL for what the bot knows of members: language, reminder preference, join date."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from bot.config import Language
from bot.rounds import RoundKind
from db import rounds
from db.codec import instant_to_db, optional_instant_from_db
from db.database import Connection, Database


async def remember_language(db: Database, guild_id: int, user_id: int, language: Language, now: datetime) -> None:
    """Keep the language of the member's Discord client, used for DMs the member did not ask for."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO members (guild_id, user_id, language, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (guild_id, user_id) DO UPDATE SET language = excluded.language,"
            " updated_at = excluded.updated_at WHERE members.language IS NOT excluded.language",
            (guild_id, user_id, language, instant_to_db(now)),
        )


async def member_language(db: Database, guild_id: int, user_id: int) -> Language | None:
    async with db.read() as conn:
        language: Language | None = await conn.fetchval(
            "SELECT language FROM members WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
    return language


async def languages(db: Database, guild_id: int, user_ids: list[int]) -> dict[int, Language]:
    """The stored client language of each member who has one (members never seen are left out)."""
    if not user_ids:
        return {}
    placeholders = ", ".join("?" for _ in user_ids)
    async with db.read() as conn:
        rows = await conn.fetchall(
            f"SELECT user_id, language FROM members WHERE guild_id = ? AND language IS NOT NULL"
            f" AND user_id IN ({placeholders})",
            (guild_id, *user_ids),
        )
    return {row["user_id"]: row["language"] for row in rows}


async def _set_choice(
    db: Database,
    guild_id: int,
    user_id: int,
    column: Literal["dm_reminders", "dm_suggestions"],
    enabled: bool,
    now: datetime,
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            f"INSERT INTO members (guild_id, user_id, {column}, updated_at) VALUES (?, ?, ?, ?)"
            f" ON CONFLICT (guild_id, user_id) DO UPDATE SET {column} = excluded.{column},"
            " updated_at = excluded.updated_at",
            (guild_id, user_id, int(enabled), instant_to_db(now)),
        )


async def set_dm_reminders(db: Database, guild_id: int, user_id: int, enabled: bool, now: datetime) -> None:
    await _set_choice(db, guild_id, user_id, "dm_reminders", enabled, now)


async def set_dm_suggestions(db: Database, guild_id: int, user_id: int, enabled: bool, now: datetime) -> None:
    """Turn the member's "worth meeting" DMs before meetings on or off (on by default)."""
    await _set_choice(db, guild_id, user_id, "dm_suggestions", enabled, now)


async def without_dm_reminders(db: Database, guild_id: int, user_ids: list[int]) -> set[int]:
    """Which of these members turned reminder DMs off (everyone else gets them: the default is on)."""
    if not user_ids:
        return set()
    placeholders = ", ".join("?" for _ in user_ids)
    async with db.read() as conn:
        rows = await conn.fetchall(
            f"SELECT user_id FROM members WHERE guild_id = ? AND dm_reminders = 0 AND user_id IN ({placeholders})",
            (guild_id, *user_ids),
        )
    return {row["user_id"] for row in rows}


async def remember_name(conn: Connection, guild_id: int, user_id: int, name: str | None, stamp: str) -> None:
    """Keep a member's display name (inside the caller's transaction), so posts can show names without the
    privileged members intent."""
    if not name:
        return
    await conn.execute(
        "INSERT INTO members (guild_id, user_id, display_name, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (guild_id, user_id) DO UPDATE SET display_name = excluded.display_name,"
        " updated_at = excluded.updated_at WHERE members.display_name IS NOT excluded.display_name",
        (guild_id, user_id, name, stamp),
    )


async def record_joins(db: Database, guild_id: int, joins: list[tuple[int, datetime, str]], now: datetime) -> None:
    """Remember when members joined (and their names); an earlier known join date is kept."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO members (guild_id, user_id, joined_at, display_name, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (guild_id, user_id) DO UPDATE SET"
            " joined_at = coalesce(members.joined_at, excluded.joined_at),"
            " display_name = excluded.display_name, updated_at = excluded.updated_at",
            [(guild_id, user_id, instant_to_db(joined), name, stamp) for user_id, joined, name in joins],
        )


async def joined_at(db: Database, guild_id: int, user_id: int) -> datetime | None:
    async with db.read() as conn:
        value = await conn.fetchval(
            "SELECT joined_at FROM members WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
    return optional_instant_from_db(value)


async def mark_welcomed(db: Database, guild_id: int, user_id: int, now: datetime) -> int | None:
    """Record the welcome with the round that sends it, in one transaction (returned by id): a welcome recorded is
    never lost to a Discord error or a stop. None if the member was welcomed before (a rejoin is not welcomed twice)."""
    async with db.transaction() as conn:
        changed = await conn.execute(
            "UPDATE members SET welcomed_at = ?, updated_at = ?"
            " WHERE guild_id = ? AND user_id = ? AND welcomed_at IS NULL",
            (instant_to_db(now), instant_to_db(now), guild_id, user_id),
        )
        if not changed:
            return None
        return await rounds.add_notice(conn, guild_id, None, RoundKind.WELCOME, (user_id,), now)


async def dm_channel(db: Database, user_id: int) -> int | None:
    async with db.read() as conn:
        channel_id: int | None = await conn.fetchval("SELECT channel_id FROM dm_channels WHERE user_id = ?", (user_id,))
    return channel_id


async def remember_dm_channel(db: Database, user_id: int, channel_id: int | None) -> None:
    """Store (or, with None, forget) the member's DM channel id."""
    async with db.transaction() as conn:
        if channel_id is None:
            await conn.execute("DELETE FROM dm_channels WHERE user_id = ?", (user_id,))
        else:
            await conn.execute(
                "INSERT INTO dm_channels (user_id, channel_id) VALUES (?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET channel_id = excluded.channel_id",
                (user_id, channel_id),
            )
