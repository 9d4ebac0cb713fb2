"""SQL for the meetings aggregate."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.meetings import Meeting, MeetingFormat, MeetingStatus, members_must_hear
from bot.rounds import InDoubt, RoundKind
from bot.rsvp import RsvpState
from db.codec import instant_from_db, instant_to_db
from db.database import Database
from db.rounds import add_one_off, cancel_pending_for_meeting
from db.rsvps import promote_waiting

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


_INSERT = (
    "INSERT INTO meetings (guild_id, starts_at, timezone, duration_minutes, format, venue, topic, speaker,"
    " description, capacity, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _insert_params(new: NewMeeting, stamp: str) -> tuple[object, ...]:
    return (
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
    )


async def create_meeting(db: Database, new: NewMeeting, now: datetime) -> Meeting:
    (meeting,) = await create_meetings(db, [new], now)
    return meeting


async def get_meeting(db: Database, guild_id: int, meeting_id: int) -> Meeting | None:
    async with db.read() as conn:
        row = await conn.fetchone(
            f"SELECT {_COLUMNS} FROM meetings WHERE guild_id = ? AND id = ?", (guild_id, meeting_id)
        )
    return None if row is None else _meeting(row)


async def next_meeting(
    db: Database, guild_id: int, now: datetime, format: MeetingFormat | None = None
) -> Meeting | None:
    """The first planned meeting (of ``format``, if given) that has not started yet."""
    async with db.read() as conn:
        row = await conn.fetchone(
            f"SELECT {_COLUMNS} FROM meetings WHERE guild_id = ? AND status = 'planned' AND starts_at > ?"
            " AND format = coalesce(?, format) ORDER BY starts_at LIMIT 1",
            (guild_id, instant_to_db(now), None if format is None else format.value),
        )
    return None if row is None else _meeting(row)


async def next_meeting_and_answers(
    db: Database, guild_id: int, now: datetime
) -> tuple[Meeting, dict[int, RsvpState]] | None:
    """The next meeting, as :func:`next_meeting` finds it, and every member's answer to it (by user id), read
    together so they agree."""
    async with db.read() as conn:
        row = await conn.fetchone(
            f"SELECT {_COLUMNS} FROM meetings WHERE guild_id = ? AND status = 'planned' AND starts_at > ?"
            " ORDER BY starts_at LIMIT 1",
            (guild_id, instant_to_db(now)),
        )
        if row is None:
            return None
        answers = await conn.fetchall("SELECT user_id, state FROM rsvps WHERE meeting_id = ?", (row["id"],))
    return _meeting(row), {answer["user_id"]: RsvpState(answer["state"]) for answer in answers}


async def create_meetings(db: Database, new: list[NewMeeting], now: datetime) -> list[Meeting]:
    """Create a whole season in one transaction: all of it or nothing."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        ids = [await conn.insert(_INSERT, _insert_params(item, stamp)) for item in new]
        rows = [
            await conn.fetchone(f"SELECT {_COLUMNS} FROM meetings WHERE id = ?", (meeting_id,)) for meeting_id in ids
        ]
    return [_meeting(row) for row in rows if row is not None]


async def meeting_for_announcement(db: Database, message_id: int) -> Meeting | None:
    async with db.read() as conn:
        row = await conn.fetchone(f"SELECT {_COLUMNS} FROM meetings WHERE announcement_message_id = ?", (message_id,))
    return None if row is None else _meeting(row)


async def coming_meetings(db: Database, guild_id: int, now: datetime, limit: int = 25) -> list[Meeting]:
    """Planned meetings that have not ended yet, soonest first."""
    async with db.read() as conn:
        rows = await conn.fetchall(
            f"SELECT {_COLUMNS} FROM meetings WHERE guild_id = ? AND status = 'planned'"
            " AND datetime(starts_at, '+' || duration_minutes || ' minutes') > datetime(?)"
            " ORDER BY starts_at LIMIT ?",
            (guild_id, instant_to_db(now), limit),
        )
    return [_meeting(row) for row in rows]


async def mark_announcement(db: Database, meeting_id: int, fingerprint: str, now: datetime) -> None:
    """The meeting's announcement is about to go out (in the announcements channel): in doubt until
    :func:`set_announcement` records it."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE meetings SET announcement_fingerprint = ?, announcement_attempted_at = ?, updated_at = ?"
            " WHERE id = ?",
            (fingerprint, stamp, stamp, meeting_id),
        )


async def announcement_in_doubt(db: Database, meeting_id: int) -> InDoubt | None:
    async with db.read() as conn:
        row = await conn.fetchone(
            "SELECT announcement_fingerprint, announcement_attempted_at FROM meetings"
            " WHERE id = ? AND announcement_fingerprint IS NOT NULL",
            (meeting_id,),
        )
    return None if row is None else InDoubt(None, row[0], instant_from_db(row[1]))


async def set_announcement(db: Database, meeting_id: int, channel_id: int, message_id: int, now: datetime) -> None:
    """Record where the announcement is; it is no longer in doubt."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE meetings SET announcement_channel_id = ?, announcement_message_id = ?,"
            " announcement_fingerprint = NULL, announcement_attempted_at = NULL, updated_at = ? WHERE id = ?",
            (channel_id, message_id, instant_to_db(now), meeting_id),
        )


async def set_scheduled_event(db: Database, meeting_id: int, event_id: int | None, now: datetime) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE meetings SET scheduled_event_id = ?, updated_at = ? WHERE id = ?",
            (event_id, instant_to_db(now), meeting_id),
        )


@dataclass(frozen=True, slots=True)
class MeetingEdit:
    """The fields an organiser changes; ``None`` leaves a field as it is, ``CLEAR`` empties an optional one."""

    starts_at: datetime | None = None
    format: MeetingFormat | None = None
    venue: str | None = None
    topic: str | None = None
    speaker: str | None = None
    description: str | None = None
    capacity: int | None = None

    def assignments(self) -> dict[str, object]:
        values: dict[str, object] = {}
        if self.starts_at is not None:
            values["starts_at"] = instant_to_db(self.starts_at)
        if self.format is not None:
            values["format"] = self.format.value
        for name in ("venue", "topic", "speaker", "description"):
            value = getattr(self, name)
            if value is not None:
                values[name] = value or None  # an empty text clears an optional field
        if self.capacity is not None:
            values["capacity"] = self.capacity or None  # 0 removes the limit
        return values


# Column names come from this fixed allow-list, never from input; values are always parameters.
_EDITABLE = frozenset({"starts_at", "format", "venue", "topic", "speaker", "description", "capacity"})


@dataclass(frozen=True, slots=True)
class EditResult:
    before: Meeting
    after: Meeting
    promoted: tuple[int, ...]  # a raised capacity moves the waiting list up at once
    follow_up: int  # the round that brings the post, the Discord event and (if needed) members up to date


async def edit_meeting(db: Database, meeting_id: int, edit: MeetingEdit, now: datetime) -> EditResult:
    """Apply an edit and, in the same transaction, the round that tells the rest of the world."""
    values = edit.assignments()
    assert set(values) <= _EDITABLE
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        before = await conn.fetchone(f"SELECT {_COLUMNS} FROM meetings WHERE id = ?", (meeting_id,))
        if before is None:
            raise LookupError(meeting_id)
        if values:
            assignments = ", ".join(f"{column} = ?" for column in values)
            await conn.execute(
                f"UPDATE meetings SET {assignments}, updated_at = ? WHERE id = ?",
                (*values.values(), stamp, meeting_id),
            )
            promoted = await promote_waiting(conn, meeting_id, stamp)
        else:
            promoted = ()
        row = await conn.fetchone(f"SELECT {_COLUMNS} FROM meetings WHERE id = ?", (meeting_id,))
        assert row is not None
        old, new = _meeting(before), _meeting(row)
        kind = RoundKind.CHANGE_NOTICE if members_must_hear(old, new) else RoundKind.EVENT_SYNC
        follow_up = await add_one_off(conn, new.guild_id, new.id, kind, now, now)
    return EditResult(old, new, promoted, follow_up)


async def cancel_meeting(db: Database, meeting_id: int, reason: str | None, now: datetime) -> tuple[Meeting, int]:
    """Cancel the meeting, its rounds that have not started, and add the round that tells everyone, atomically.

    Returns the meeting and that round's id.
    """
    async with db.transaction() as conn:
        changed = await conn.execute(
            "UPDATE meetings SET status = 'cancelled', cancel_reason = ?, updated_at = ?"
            " WHERE id = ? AND status = 'planned'",
            (reason, instant_to_db(now), meeting_id),
        )
        row = await conn.fetchone(f"SELECT {_COLUMNS} FROM meetings WHERE id = ?", (meeting_id,))
        if row is None or not changed:
            raise LookupError(meeting_id)
        meeting = _meeting(row)
        await cancel_pending_for_meeting(conn, meeting_id, "meeting cancelled", now)
        notice = await add_one_off(conn, meeting.guild_id, meeting_id, RoundKind.CANCEL_NOTICE, now, now)
    return meeting, notice


async def recent_meetings(db: Database, guild_id: int, now: datetime, limit: int = 25) -> list[Meeting]:
    """Meetings that have begun, most recent first (for results and attendance)."""
    async with db.read() as conn:
        rows = await conn.fetchall(
            f"SELECT {_COLUMNS} FROM meetings WHERE guild_id = ? AND status = 'planned' AND starts_at <= ?"
            " ORDER BY starts_at DESC LIMIT ?",
            (guild_id, instant_to_db(now), limit),
        )
    return [_meeting(row) for row in rows]
