"""SQL for members' business profiles; each is read with what the bot knows of the member (name, join date, whether
they want "worth meeting" DMs)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.profiles import Profile
from db.codec import instant_to_db, optional_instant_from_db
from db.database import Database

_SELECT = (
    "SELECT p.user_id, p.business, p.trade, p.trade_other, p.offer, p.looking_for, p.website, p.town,"
    " coalesce(mb.display_name, '') AS name, mb.joined_at, coalesce(mb.dm_suggestions, 1) AS suggestions"
    " FROM profiles p LEFT JOIN members mb ON mb.guild_id = p.guild_id AND mb.user_id = p.user_id"
)


def _profile(row: sqlite3.Row) -> Profile:
    return Profile(
        user_id=row["user_id"],
        business=row["business"],
        trade=row["trade"],
        trade_other=row["trade_other"],
        offer=row["offer"],
        looking_for=row["looking_for"],
        website=row["website"],
        town=row["town"],
        name=row["name"],
        joined_at=optional_instant_from_db(row["joined_at"]),
        suggestions=bool(row["suggestions"]),
    )


async def save(db: Database, guild_id: int, profile: Profile, now: datetime) -> bool:
    """Create or replace the member's profile; True if it is new."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        existed = await conn.fetchval(
            "SELECT 1 FROM profiles WHERE guild_id = ? AND user_id = ?", (guild_id, profile.user_id)
        )
        await conn.execute(
            "INSERT INTO profiles (guild_id, user_id, business, trade, trade_other, offer, looking_for, website, town,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (guild_id, user_id) DO UPDATE SET business = excluded.business, trade = excluded.trade,"
            " trade_other = excluded.trade_other, offer = excluded.offer, looking_for = excluded.looking_for,"
            " website = excluded.website, town = excluded.town, updated_at = excluded.updated_at",
            (
                guild_id,
                profile.user_id,
                profile.business,
                profile.trade,
                profile.trade_other,
                profile.offer,
                profile.looking_for,
                profile.website,
                profile.town,
                stamp,
                stamp,
            ),
        )
    return existed is None


async def get(db: Database, guild_id: int, user_id: int) -> Profile | None:
    async with db.read() as conn:
        row = await conn.fetchone(f"{_SELECT} WHERE p.guild_id = ? AND p.user_id = ?", (guild_id, user_id))
    return None if row is None else _profile(row)


async def remove(db: Database, guild_id: int, user_id: int) -> bool:
    """Delete the member's profile; False if there was none."""
    async with db.transaction() as conn:
        removed = await conn.execute("DELETE FROM profiles WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
    return removed == 1


async def every(db: Database, guild_id: int) -> list[Profile]:
    """Every profile of the server (the directory filters and sorts them)."""
    async with db.read() as conn:
        rows = await conn.fetchall(f"{_SELECT} WHERE p.guild_id = ? ORDER BY p.user_id", (guild_id,))
    return [_profile(row) for row in rows]


async def of_members(db: Database, guild_id: int, user_ids: list[int]) -> dict[int, Profile]:
    """The profiles of these members, for those who have one."""
    if not user_ids:
        return {}
    placeholders = ", ".join("?" for _ in user_ids)
    async with db.read() as conn:
        rows = await conn.fetchall(
            f"{_SELECT} WHERE p.guild_id = ? AND p.user_id IN ({placeholders})", (guild_id, *user_ids)
        )
    return {row["user_id"]: _profile(row) for row in rows}


@dataclass(frozen=True, slots=True)
class Going:
    """Who is going to a meeting, as far as profiles go."""

    profiles: list[Profile]  # of members going who have one, by user id
    without_profile: int  # members going who have none (counted, never named)


async def going(db: Database, guild_id: int, meeting_id: int) -> Going:
    async with db.read() as conn:
        rows = await conn.fetchall(
            f"{_SELECT} JOIN rsvps r ON r.user_id = p.user_id"
            " WHERE p.guild_id = ? AND r.meeting_id = ? AND r.state = 'going' ORDER BY p.user_id",
            (guild_id, meeting_id),
        )
        total: int = await conn.fetchval(
            "SELECT count(*) FROM rsvps WHERE meeting_id = ? AND state = 'going'", (meeting_id,)
        )
    return Going([_profile(row) for row in rows], total - len(rows))
