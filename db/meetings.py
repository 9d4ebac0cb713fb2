"""SQL for the meetings aggregate."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.meetings import Meeting, MeetingFormat, MeetingStatus
from db.codec import instant_from_db, instant_to_db
from db.database import Database

_COLUMNS = (
    "id, guild_id, starts_at, timezone, duration_minutes, format, venue, topic, speaker, description, capacity, "
    "status, cancel_reason, announcement_channel_id, announcement_message_id, scheduled_event_id, created_by"
)


@dataclass(frozen=True, slots=True)
class NewMeeting:
    """What an organiser decides when creating a meeting."""

    guild_id: int
    starts_at: datetime
    timezone: ZoneInfo
    format: MeetingFormat
    venue: str
    created_by: int
    topic: str | None = None
    speaker: str | None = None
    description: str | None = None
    capacity: int | None = None
    duration: timedelta = timedelta(minutes=150)


def _meeting(row: sqlite3.Row) -> Meeting:
    return Meeting(
        id=row["id"],
        guild_id=row["guild_id"],
        starts_at=instant_from_db(row["starts_at"]),
        timezone=ZoneInfo(row["timezone"]),
        duration=timedelta(minutes=row["duration_minutes"]),
        format=MeetingFormat(row["format"]),
        venue=row["venue"],
        topic=row["topic"],
        speaker=row["speaker"],
        description=row["description"],
        capacity=row["capacity"],
        status=MeetingStatus(row["status"]),
        cancel_reason=row["cancel_reason"],
        announcement_channel_id=row["announcement_channel_id"],
        announcement_message_id=row["announcement_message_id"],
        scheduled_event_id=row["scheduled_event_id"],
        created_by=row["created_by"],
    )


async def create_meeting(db: Database, new: NewMeeting, now: datetime) -> Meeting:
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        meeting_id = await conn.insert(
            "INSERT INTO meetings (guild_id, starts_at, timezone, duration_minutes, format, venue, topic, speaker,"
            " description, capacity, created_by, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new.guild_id,
                instant_to_db(new.starts_at),
                new.timezone.key,
                new.duration // timedelta(minutes=1),
                new.format.value,
                new.venue,
                new.topic,
                new.speaker,
                new.description,
                new.capacity,
                new.created_by,
                stamp,
                stamp,
            ),
        )
        row = await conn.fetchone(f"SELECT {_COLUMNS} FROM meetings WHERE id = ?", (meeting_id,))
    assert row is not None
    return _meeting(row)


async def get_meeting(db: Database, guild_id: int, meeting_id: int) -> Meeting | None:
    async with db.read() as conn:
        row = await conn.fetchone(
            f"SELECT {_COLUMNS} FROM meetings WHERE guild_id = ? AND id = ?", (guild_id, meeting_id)
        )
    return None if row is None else _meeting(row)


async def next_meeting(db: Database, guild_id: int, now: datetime) -> Meeting | None:
    """The first planned meeting that has not started yet."""
    async with db.read() as conn:
        row = await conn.fetchone(
            f"SELECT {_COLUMNS} FROM meetings WHERE guild_id = ? AND status = 'planned' AND starts_at > ?"
            " ORDER BY starts_at LIMIT 1",
            (guild_id, instant_to_db(now)),
        )
    return None if row is None else _meeting(row)
