"""SQL for who attended a meeting (checked in themselves or marked by an organiser)."""

from __future__ import annotations

from datetime import datetime

from db.codec import instant_to_db
from db.database import Database


async def check_in(db: Database, meeting_id: int, user_id: int, source: str, now: datetime) -> bool:
    """Record attendance; False if the member was already checked in."""
    async with db.transaction() as conn:
        changed = await conn.execute(
            "INSERT OR IGNORE INTO attendance (meeting_id, user_id, checked_in_at, source) VALUES (?, ?, ?, ?)",
            (meeting_id, user_id, instant_to_db(now), source),
        )
    return changed == 1


async def attendees(db: Database, meeting_id: int) -> list[int]:
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT user_id FROM attendance WHERE meeting_id = ? ORDER BY checked_in_at, user_id", (meeting_id,)
        )
    return [row["user_id"] for row in rows]
