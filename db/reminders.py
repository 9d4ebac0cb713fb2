"""SQL for timed messages (reminders, "still coming?"): one row per (meeting, kind) with its delivery state.

The database, not the scheduler, is the truth of what has been sent: a job claims its row (pending → sending)
before it sends and records each recipient, so a restart resumes instead of repeating.
"""

from __future__ import annotations

import enum
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from db.codec import instant_from_db, instant_to_db
from db.database import Database


class ReminderState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    REFUSED = "refused"  # the member does not accept DMs; never retried
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Reminder:
    id: int
    guild_id: int
    meeting_id: int | None
    kind: str
    due_at: datetime
    state: ReminderState
    attempts: int
    channel_message_id: int | None


_COLUMNS = "id, guild_id, meeting_id, kind, due_at, state, attempts, channel_message_id"


def _reminder(row: sqlite3.Row) -> Reminder:
    return Reminder(
        id=row["id"],
        guild_id=row["guild_id"],
        meeting_id=row["meeting_id"],
        kind=row["kind"],
        due_at=instant_from_db(row["due_at"]),
        state=ReminderState(row["state"]),
        attempts=row["attempts"],
        channel_message_id=row["channel_message_id"],
    )


async def schedule(
    db: Database, guild_id: int, meeting_id: int, kind: str, due_at: datetime, now: datetime
) -> Reminder:
    """Create the meeting's reminder of ``kind`` or move it; one already sent stays sent (exactly once)."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO reminders (guild_id, meeting_id, kind, due_at, state, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, 'pending', ?, ?)"
            " ON CONFLICT (guild_id, meeting_id, kind) DO UPDATE SET due_at = excluded.due_at,"
            " state = CASE WHEN reminders.state IN ('sent', 'sending') THEN reminders.state ELSE 'pending' END,"
            " updated_at = excluded.updated_at",
            (guild_id, meeting_id, kind, instant_to_db(due_at), stamp, stamp),
        )
        row = await conn.fetchone(
            f"SELECT {_COLUMNS} FROM reminders WHERE guild_id = ? AND meeting_id = ? AND kind = ?",
            (guild_id, meeting_id, kind),
        )
    assert row is not None
    return _reminder(row)


async def cancel_for_meeting(db: Database, meeting_id: int, now: datetime) -> list[int]:
    """Cancel the meeting's reminders that have not gone out; returns their ids (to drop their timers)."""
    async with db.transaction() as conn:
        rows = await conn.fetchall("SELECT id FROM reminders WHERE meeting_id = ? AND state = 'pending'", (meeting_id,))
        await conn.execute(
            "UPDATE reminders SET state = 'cancelled', updated_at = ? WHERE meeting_id = ? AND state = 'pending'",
            (instant_to_db(now), meeting_id),
        )
    return [row["id"] for row in rows]


async def unfinished(db: Database, guild_id: int) -> list[Reminder]:
    """Reminders still to send, and those a stopped bot left half-sent, soonest first."""
    async with db.read() as conn:
        rows = await conn.fetchall(
            f"SELECT {_COLUMNS} FROM reminders WHERE guild_id = ? AND state IN ('pending', 'sending') ORDER BY due_at",
            (guild_id,),
        )
    return [_reminder(row) for row in rows]


async def get(db: Database, reminder_id: int) -> Reminder | None:
    async with db.read() as conn:
        row = await conn.fetchone(f"SELECT {_COLUMNS} FROM reminders WHERE id = ?", (reminder_id,))
    return None if row is None else _reminder(row)


async def claim(db: Database, reminder_id: int, now: datetime) -> Reminder | None:
    """Take a due reminder for sending (pending → sending), or resume one left in 'sending'; None if it is
    not ours to send (already sent, skipped, cancelled)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE reminders SET state = 'sending', attempts = attempts + 1, updated_at = ?"
            " WHERE id = ? AND state IN ('pending', 'sending')",
            (instant_to_db(now), reminder_id),
        )
        row = await conn.fetchone(
            f"SELECT {_COLUMNS} FROM reminders WHERE id = ? AND state = 'sending'", (reminder_id,)
        )
    return None if row is None else _reminder(row)


async def finish(db: Database, reminder_id: int, state: ReminderState, now: datetime, note: str | None = None) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE reminders SET state = ?, last_error = ?, sent_at = CASE WHEN ? = 'sent' THEN ? END, updated_at = ?"
            " WHERE id = ?",
            (state.value, note, state.value, instant_to_db(now), instant_to_db(now), reminder_id),
        )


async def add_recipients(db: Database, reminder_id: int, user_ids: list[int], now: datetime) -> None:
    """Record who the reminder goes to, once: a resumed send keeps the recipients and states it had."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT OR IGNORE INTO reminder_deliveries (reminder_id, user_id, updated_at) VALUES (?, ?, ?)",
            [(reminder_id, user_id, stamp) for user_id in user_ids],
        )


async def recipients(db: Database, reminder_id: int, state: DeliveryState) -> list[int]:
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT user_id FROM reminder_deliveries WHERE reminder_id = ? AND state = ? ORDER BY user_id",
            (reminder_id, state.value),
        )
    return [row["user_id"] for row in rows]


async def record_delivery(
    db: Database, reminder_id: int, user_id: int, state: DeliveryState, message_id: int | None, now: datetime
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE reminder_deliveries SET state = ?, message_id = ?, attempts = attempts + 1, updated_at = ?"
            " WHERE reminder_id = ? AND user_id = ?",
            (state.value, message_id, instant_to_db(now), reminder_id, user_id),
        )


async def schedule_for_guild(db: Database, guild_id: int, kind: str, due_at: datetime, now: datetime) -> Reminder:
    """A reminder that belongs to no meeting (the monthly post); created once per kind."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO reminders (guild_id, meeting_id, kind, due_at, state, created_at, updated_at)"
            " VALUES (?, NULL, ?, ?, 'pending', ?, ?)"
            " ON CONFLICT (guild_id, kind) WHERE meeting_id IS NULL DO NOTHING",
            (guild_id, kind, instant_to_db(due_at), stamp, stamp),
        )
        row = await conn.fetchone(
            f"SELECT {_COLUMNS} FROM reminders WHERE guild_id = ? AND meeting_id IS NULL AND kind = ?",
            (guild_id, kind),
        )
    assert row is not None
    return _reminder(row)


async def create_now(db: Database, guild_id: int, meeting_id: int, kind_prefix: str, now: datetime) -> Reminder:
    """A one-off reminder due now (an organiser's "remind now"), numbered so each one is its own row."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        count = await conn.fetchval(
            "SELECT count(*) FROM reminders WHERE meeting_id = ? AND kind LIKE ?", (meeting_id, f"{kind_prefix}%")
        )
        reminder_id = await conn.insert(
            "INSERT INTO reminders (guild_id, meeting_id, kind, due_at, state, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, 'pending', ?, ?)",
            (guild_id, meeting_id, f"{kind_prefix}{count + 1}", stamp, stamp, stamp),
        )
        row = await conn.fetchone(f"SELECT {_COLUMNS} FROM reminders WHERE id = ?", (reminder_id,))
    assert row is not None
    return _reminder(row)


async def cancel_kind(db: Database, meeting_id: int, kind: str, now: datetime) -> int | None:
    """Cancel one pending reminder of a meeting (its moment passed after a move); returns its id if there was one."""
    async with db.transaction() as conn:
        reminder_id: int | None = await conn.fetchval(
            "SELECT id FROM reminders WHERE meeting_id = ? AND kind = ? AND state = 'pending'", (meeting_id, kind)
        )
        if reminder_id is not None:
            await conn.execute(
                "UPDATE reminders SET state = 'cancelled', updated_at = ? WHERE id = ?",
                (instant_to_db(now), reminder_id),
            )
    return reminder_id


async def set_channel_message(db: Database, reminder_id: int, message_id: int, now: datetime) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE reminders SET channel_message_id = ?, updated_at = ? WHERE id = ?",
            (message_id, instant_to_db(now), reminder_id),
        )


async def for_meeting(db: Database, meeting_id: int) -> list[Reminder]:
    async with db.read() as conn:
        rows = await conn.fetchall(
            f"SELECT {_COLUMNS} FROM reminders WHERE meeting_id = ? ORDER BY due_at, id", (meeting_id,)
        )
    return [_reminder(row) for row in rows]
