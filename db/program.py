"""SQL for the program slots of meetings (hot seat, brag spot, newcomer intros)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.program import GROWTH_SLOTS, SlotKind, SlotStatus, Volunteer, growth_slot_taken, intro_slots_free
from bot.rounds import RoundKind
from db import members, rounds
from db.codec import instant_from_db, instant_to_db, optional_instant_from_db
from db.database import Connection, Database


@dataclass(frozen=True, slots=True)
class ConfirmedSlot:
    kind: SlotKind
    user_id: int
    name: str
    topic: str | None


class SlotTaken(Exception):  # noqa: N818 - a state, not a programming error
    """The slot is already confirmed for someone else."""


async def confirmed(db: Database, meeting_id: int) -> list[ConfirmedSlot]:
    """The confirmed slots of a meeting in program order, with the members' display names."""
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT s.kind, s.user_id, s.topic, coalesce(mb.display_name, '') AS name"
            " FROM program_slots s JOIN meetings m ON m.id = s.meeting_id"
            " LEFT JOIN members mb ON mb.guild_id = m.guild_id AND mb.user_id = s.user_id"
            " WHERE s.meeting_id = ? AND s.status = 'confirmed'"
            " ORDER BY CASE s.kind WHEN 'intro' THEN 1 ELSE 0 END, coalesce(s.position, 0), s.id",
            (meeting_id,),
        )
    return [
        ConfirmedSlot(SlotKind(row["kind"]), row["user_id"], row["name"] or str(row["user_id"]), row["topic"])
        for row in rows
    ]


# Each sign-up with the member's name and when they last had a confirmed slot at an earlier meeting (fairness).
_VOLUNTEERS = (
    "SELECT s.user_id, s.kind, s.topic, s.status, s.created_at, coalesce(mb.display_name, '') AS name,"
    " (SELECT max(m2.starts_at) FROM program_slots s2 JOIN meetings m2 ON m2.id = s2.meeting_id"
    "   WHERE s2.user_id = s.user_id AND s2.status = 'confirmed' AND m2.guild_id = m.guild_id"
    "   AND m2.starts_at < m.starts_at) AS last_slot_at"
    " FROM program_slots s JOIN meetings m ON m.id = s.meeting_id"
    " LEFT JOIN members mb ON mb.guild_id = m.guild_id AND mb.user_id = s.user_id"
)


def _volunteer(row: sqlite3.Row) -> Volunteer:
    return Volunteer(
        user_id=row["user_id"],
        name=row["name"] or str(row["user_id"]),
        kind=SlotKind(row["kind"]),
        topic=row["topic"],
        status=SlotStatus(row["status"]),
        signed_up_at=instant_from_db(row["created_at"]),
        last_slot_at=optional_instant_from_db(row["last_slot_at"]),
    )


async def volunteers(db: Database, meeting_id: int) -> list[Volunteer]:
    """Active sign-ups (volunteered or confirmed) of a meeting, in sign-up order."""
    async with db.read() as conn:
        rows = await conn.fetchall(
            f"{_VOLUNTEERS} WHERE s.meeting_id = ? AND s.status IN ('volunteered', 'confirmed') ORDER BY s.created_at",
            (meeting_id,),
        )
    return [_volunteer(row) for row in rows]


async def _active_growth(conn: Connection, meeting_id: int, user_id: int) -> Volunteer | None:
    row = await conn.fetchone(
        f"{_VOLUNTEERS} WHERE s.meeting_id = ? AND s.user_id = ? AND s.kind IN ('hot_seat', 'brag_spot')"
        " AND s.status IN ('volunteered', 'confirmed')",
        (meeting_id, user_id),
    )
    return None if row is None else _volunteer(row)


async def growth_signup(db: Database, meeting_id: int, user_id: int) -> Volunteer | None:
    """The member's current hot-seat or brag-spot sign-up for the meeting."""
    async with db.read() as conn:
        return await _active_growth(conn, meeting_id, user_id)


async def _set_status(
    conn: Connection, meeting_id: int, user_id: int, kind: SlotKind, status: SlotStatus, topic: str | None, stamp: str
) -> None:
    await conn.execute(
        "INSERT INTO program_slots (meeting_id, user_id, kind, topic, status, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (meeting_id, user_id, kind) DO UPDATE SET status = excluded.status,"
        " topic = coalesce(excluded.topic, program_slots.topic), updated_at = excluded.updated_at,"
        # A new sign-up after a withdrawal queues at the back, like any new volunteer.
        " created_at = CASE WHEN program_slots.status IN ('volunteered', 'confirmed')"
        "   THEN program_slots.created_at ELSE excluded.created_at END",
        (meeting_id, user_id, kind.value, topic, status.value, stamp, stamp),
    )


async def volunteer(
    db: Database, meeting_id: int, user_id: int, kind: SlotKind, topic: str, name: str | None, now: datetime
) -> tuple[Volunteer | None, Volunteer]:
    """Sign up (or change the sign-up) for the hot seat or brag spot; returns (before, after).

    Changing the topic keeps a confirmed slot; changing the kind makes it a new volunteer for the organisers.
    """
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        guild_id = await conn.fetchval("SELECT guild_id FROM meetings WHERE id = ?", (meeting_id,))
        await members.remember_name(conn, guild_id, user_id, name, stamp)
        before = await _active_growth(conn, meeting_id, user_id)
        status = SlotStatus.VOLUNTEERED
        if before is not None and before.kind is kind:
            status = before.status
        elif before is not None:
            await _set_status(conn, meeting_id, user_id, before.kind, SlotStatus.WITHDRAWN, None, stamp)
        await _set_status(conn, meeting_id, user_id, kind, status, topic, stamp)
        after = await _active_growth(conn, meeting_id, user_id)
        await _slot_notice(conn, guild_id, meeting_id, user_id, kind, RoundKind.VOLUNTEERED, now)
    assert after is not None
    return before, after


async def _slot_notice(
    conn: Connection,
    guild_id: int,
    meeting_id: int,
    user_id: int,
    slot: SlotKind,
    kind: RoundKind,
    now: datetime,
    *,
    audience: tuple[int, ...] = (),
) -> None:
    """A round about the member's slot (to the organisers, or to ``audience`` by DM), written in the caller's
    transaction; the slot is named by its row, never by the member."""
    slot_id = await conn.fetchval(
        "SELECT id FROM program_slots WHERE meeting_id = ? AND user_id = ? AND kind = ?",
        (meeting_id, user_id, slot.value),
    )
    await rounds.add_notice(conn, guild_id, meeting_id, kind, audience, now, about=str(slot_id))


async def withdraw(db: Database, meeting_id: int, user_id: int, now: datetime) -> Volunteer | None:
    """Withdraw the member's hot-seat/brag-spot sign-up; returns it as it was. A confirmed slot given up is told to
    the organisers by a round written in the same transaction."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        before = await _active_growth(conn, meeting_id, user_id)
        if before is not None:
            await _set_status(conn, meeting_id, user_id, before.kind, SlotStatus.WITHDRAWN, None, stamp)
        if before is not None and before.status is SlotStatus.CONFIRMED:
            guild_id = await conn.fetchval("SELECT guild_id FROM meetings WHERE id = ?", (meeting_id,))
            await _slot_notice(conn, guild_id, meeting_id, user_id, before.kind, RoundKind.SLOT_WITHDRAWN, now)
    return before


async def slot(db: Database, slot_id: int) -> Volunteer | None:
    """A program slot by its id (None once erased)."""
    async with db.read() as conn:
        row = await conn.fetchone(f"{_VOLUNTEERS} WHERE s.id = ?", (slot_id,))
    return None if row is None else _volunteer(row)


async def assign(
    db: Database, meeting_id: int, user_id: int, kind: SlotKind, intro_slots: int, name: str | None, now: datetime
) -> Volunteer:
    """Confirm a member in a slot (an organiser's decision); one growth slot per 2.0 meeting, ``intro_slots``
    intros per 1.0 meeting. Raises :class:`SlotTaken` when full."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        guild_id = await conn.fetchval("SELECT guild_id FROM meetings WHERE id = ?", (meeting_id,))
        await members.remember_name(conn, guild_id, user_id, name, stamp)
        rows = await conn.fetchall(
            "SELECT kind FROM program_slots WHERE meeting_id = ? AND status = 'confirmed' AND user_id != ?",
            (meeting_id, user_id),
        )
        taken = [SlotKind(row["kind"]) for row in rows]
        if (kind in GROWTH_SLOTS and growth_slot_taken(taken)) or (
            kind is SlotKind.INTRO and intro_slots_free(taken, intro_slots) == 0
        ):
            raise SlotTaken(meeting_id)
        if kind in GROWTH_SLOTS:
            current = await _active_growth(conn, meeting_id, user_id)
            if current is not None and current.kind is not kind:
                await _set_status(conn, meeting_id, user_id, current.kind, SlotStatus.WITHDRAWN, None, stamp)
        await _set_status(conn, meeting_id, user_id, kind, SlotStatus.CONFIRMED, None, stamp)
        row = await conn.fetchone(
            f"{_VOLUNTEERS} WHERE s.meeting_id = ? AND s.user_id = ? AND s.kind = ?", (meeting_id, user_id, kind.value)
        )
        await _slot_notice(conn, guild_id, meeting_id, user_id, kind, RoundKind.ASSIGNED, now, audience=(user_id,))
    assert row is not None
    return _volunteer(row)


async def unassign(db: Database, meeting_id: int, user_id: int, now: datetime) -> Volunteer | None:
    """Take a member out of a confirmed slot; they stay a volunteer. Returns the slot as it was."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        row = await conn.fetchone(
            f"{_VOLUNTEERS} WHERE s.meeting_id = ? AND s.user_id = ? AND s.status = 'confirmed'", (meeting_id, user_id)
        )
        if row is None:
            return None
        before = _volunteer(row)
        await _set_status(conn, meeting_id, user_id, before.kind, SlotStatus.VOLUNTEERED, None, stamp)
    return before


async def has_presented(db: Database, guild_id: int, user_id: int, now: datetime) -> bool:
    """Whether the member already had a confirmed newcomer intro at a meeting that has begun."""
    async with db.read() as conn:
        found = await conn.fetchval(
            "SELECT 1 FROM program_slots s JOIN meetings m ON m.id = s.meeting_id"
            " WHERE m.guild_id = ? AND s.user_id = ? AND s.kind = 'intro' AND s.status = 'confirmed'"
            " AND m.starts_at <= ? LIMIT 1",
            (guild_id, user_id, instant_to_db(now)),
        )
    return found is not None


async def coming_intros(db: Database, guild_id: int, user_id: int, now: datetime) -> list[int]:
    """The coming meetings where the member presents as a newcomer (their post shows the member's business)."""
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT m.id FROM program_slots s JOIN meetings m ON m.id = s.meeting_id"
            " WHERE m.guild_id = ? AND s.user_id = ? AND s.kind = 'intro' AND s.status = 'confirmed'"
            " AND m.starts_at > ? ORDER BY m.id",
            (guild_id, user_id, instant_to_db(now)),
        )
    return [row["id"] for row in rows]


async def intro_signup(db: Database, meeting_id: int, user_id: int) -> Volunteer | None:
    async with db.read() as conn:
        row = await conn.fetchone(
            f"{_VOLUNTEERS} WHERE s.meeting_id = ? AND s.user_id = ? AND s.kind = 'intro'", (meeting_id, user_id)
        )
    return None if row is None else _volunteer(row)


async def sign_up_intro(
    db: Database, meeting_id: int, user_id: int, intro_slots: int, name: str | None, now: datetime
) -> Volunteer:
    """A newcomer says yes: a free intro slot is theirs at once, otherwise they wait (first come, first served).

    The count and the write are one transaction, so members clicking at the same moment never over-fill it.
    """
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        guild_id = await conn.fetchval("SELECT guild_id FROM meetings WHERE id = ?", (meeting_id,))
        await members.remember_name(conn, guild_id, user_id, name, stamp)
        current = await conn.fetchone(
            f"{_VOLUNTEERS} WHERE s.meeting_id = ? AND s.user_id = ? AND s.kind = 'intro'", (meeting_id, user_id)
        )
        if current is None or SlotStatus(current["status"]) not in (SlotStatus.CONFIRMED, SlotStatus.VOLUNTEERED):
            rows = await conn.fetchall(
                "SELECT kind FROM program_slots WHERE meeting_id = ? AND status = 'confirmed'", (meeting_id,)
            )
            free = intro_slots_free([SlotKind(row["kind"]) for row in rows], intro_slots)
            status = SlotStatus.CONFIRMED if free else SlotStatus.VOLUNTEERED
            await _set_status(conn, meeting_id, user_id, SlotKind.INTRO, status, None, stamp)
        row = await conn.fetchone(
            f"{_VOLUNTEERS} WHERE s.meeting_id = ? AND s.user_id = ? AND s.kind = 'intro'", (meeting_id, user_id)
        )
    assert row is not None
    return _volunteer(row)


async def decline_intro(db: Database, meeting_id: int, user_id: int, now: datetime) -> tuple[int, ...]:
    """A newcomer says "not this time" (or withdraws); a freed slot goes to the first one waiting.

    Returns who moved up.
    """
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        was_confirmed = await conn.fetchval(
            "SELECT status = 'confirmed' FROM program_slots WHERE meeting_id = ? AND user_id = ? AND kind = 'intro'",
            (meeting_id, user_id),
        )
        await _set_status(conn, meeting_id, user_id, SlotKind.INTRO, SlotStatus.DECLINED, None, stamp)
        if not was_confirmed:
            return ()
        first = await conn.fetchval(
            "SELECT user_id FROM program_slots WHERE meeting_id = ? AND kind = 'intro' AND status = 'volunteered'"
            " ORDER BY created_at, user_id LIMIT 1",
            (meeting_id,),
        )
        if first is None:
            return ()
        await _set_status(conn, meeting_id, first, SlotKind.INTRO, SlotStatus.CONFIRMED, None, stamp)
        guild_id = await conn.fetchval("SELECT guild_id FROM meetings WHERE id = ?", (meeting_id,))
        await rounds.add_notice(conn, guild_id, meeting_id, RoundKind.INTRO_PROMOTED, (first,), now)
    return (first,)


async def newcomers_to_invite(db: Database, meeting_id: int, joined_since: datetime, now: datetime) -> list[int]:
    """Newcomers (joined since ``joined_since``) who have not presented and have not answered for this meeting."""
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT mb.user_id FROM members mb JOIN meetings m ON m.guild_id = mb.guild_id AND m.id = ?"
            " WHERE mb.joined_at >= ?"
            " AND NOT EXISTS (SELECT 1 FROM program_slots s WHERE s.meeting_id = m.id AND s.user_id = mb.user_id"
            "   AND s.kind = 'intro')"
            " AND NOT EXISTS (SELECT 1 FROM program_slots s JOIN meetings m2 ON m2.id = s.meeting_id"
            "   WHERE s.user_id = mb.user_id AND s.kind = 'intro' AND s.status = 'confirmed'"
            "   AND m2.guild_id = m.guild_id AND m2.starts_at <= ?)"
            " ORDER BY mb.joined_at, mb.user_id",
            (meeting_id, instant_to_db(joined_since), instant_to_db(now)),
        )
    return [row["user_id"] for row in rows]


async def set_brief(db: Database, meeting_id: int, user_id: int, brief: str, now: datetime) -> bool:
    """Store the confirmed hot-seat member's brief; False if they are not confirmed for the hot seat."""
    async with db.transaction() as conn:
        changed = await conn.execute(
            "UPDATE program_slots SET brief = ?, updated_at = ?"
            " WHERE meeting_id = ? AND user_id = ? AND kind = 'hot_seat' AND status = 'confirmed'",
            (brief, instant_to_db(now), meeting_id, user_id),
        )
    return changed == 1


@dataclass(frozen=True, slots=True)
class Brief:
    user_id: int
    name: str
    topic: str | None
    brief: str


async def hot_seat_brief(db: Database, meeting_id: int) -> Brief | None:
    """The confirmed hot seat's brief, if one was written."""
    async with db.read() as conn:
        row = await conn.fetchone(
            "SELECT s.user_id, s.topic, s.brief, coalesce(mb.display_name, '') AS name"
            " FROM program_slots s JOIN meetings m ON m.id = s.meeting_id"
            " LEFT JOIN members mb ON mb.guild_id = m.guild_id AND mb.user_id = s.user_id"
            " WHERE s.meeting_id = ? AND s.kind = 'hot_seat' AND s.status = 'confirmed' AND s.brief IS NOT NULL",
            (meeting_id,),
        )
    if row is None:
        return None
    return Brief(row["user_id"], row["name"] or str(row["user_id"]), row["topic"], row["brief"])
