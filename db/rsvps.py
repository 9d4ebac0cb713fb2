"""SQL for RSVPs and guests: one state per member and meeting, changed atomically with the waiting list."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.meetings import MeetingStatus, takes_answers
from bot.rounds import RoundKind
from bot.rsvp import (
    Attendee,
    Guest,
    Roster,
    RsvpChange,
    RsvpState,
    choice_for_emoji,
    promotions,
    resolve_choice,
    same_guest,
    state_after_removal,
)
from db import members, rounds
from db.codec import instant_from_db, instant_to_db
from db.database import Connection, Database


class MeetingGone(LookupError):  # noqa: N818 - a state, not a programming error
    """The meeting does not exist (any more) in this guild."""


async def _capacity(conn: Connection, meeting_id: int) -> int | None:
    row = await conn.fetchone("SELECT capacity FROM meetings WHERE id = ?", (meeting_id,))
    if row is None:
        raise MeetingGone(meeting_id)
    capacity: int | None = row["capacity"]
    return capacity


async def _seats_taken(conn: Connection, meeting_id: int) -> int:
    taken: int = await conn.fetchval(
        "SELECT (SELECT count(*) FROM rsvps WHERE meeting_id = ? AND state = 'going')"
        " + (SELECT count(*) FROM guests WHERE meeting_id = ?)",
        (meeting_id, meeting_id),
    )
    return taken


async def _current_state(conn: Connection, meeting_id: int, user_id: int) -> RsvpState | None:
    state = await conn.fetchval("SELECT state FROM rsvps WHERE meeting_id = ? AND user_id = ?", (meeting_id, user_id))
    return None if state is None else RsvpState(state)


async def _write_state(conn: Connection, meeting_id: int, user_id: int, state: RsvpState | None, stamp: str) -> None:
    if state is None:
        await conn.execute("DELETE FROM rsvps WHERE meeting_id = ? AND user_id = ?", (meeting_id, user_id))
        return
    await conn.execute(
        "INSERT INTO rsvps (meeting_id, user_id, state, waiting_since, changed_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (meeting_id, user_id) DO UPDATE SET state = excluded.state,"
        " waiting_since = excluded.waiting_since, changed_at = excluded.changed_at",
        (meeting_id, user_id, state.value, stamp if state is RsvpState.WAITING else None, stamp),
    )


async def promote_waiting(conn: Connection, meeting_id: int, stamp: str) -> tuple[int, ...]:
    """Fill free seats from the waiting list, first come first served; returns who moved up. Nobody moves once the
    meeting no longer takes answers (cancelled, or begun): the lists are then what happened."""
    meeting = await conn.fetchone(
        "SELECT guild_id, capacity, status, starts_at FROM meetings WHERE id = ?", (meeting_id,)
    )
    if meeting is None:
        raise MeetingGone(meeting_id)
    if not _takes_answers(meeting, stamp):
        return ()
    waiting = await conn.fetchall(
        "SELECT user_id FROM rsvps WHERE meeting_id = ? AND state = 'waiting' ORDER BY waiting_since, user_id",
        (meeting_id,),
    )
    moved = promotions([row["user_id"] for row in waiting], meeting["capacity"], await _seats_taken(conn, meeting_id))
    for user_id in moved:
        await _write_state(conn, meeting_id, user_id, RsvpState.GOING, stamp)
    if moved:
        # Told by a round written with the move, so a failed answer or a stop never leaves them untold.
        await rounds.add_notice(
            conn, meeting["guild_id"], meeting_id, RoundKind.PROMOTED, moved, instant_from_db(stamp)
        )
    return tuple(moved)


# The member's place on the waiting list (as the roster counts it), while they are on it and no later waiting-list
# notice of theirs exists (they left the list and came back: the later notice tells the place).
_PLACE_TO_TELL = (
    "SELECT (SELECT count(*) FROM rsvps o WHERE o.meeting_id = r.meeting_id AND o.state = 'waiting'"
    " AND o.user_id > 0 AND (o.waiting_since, o.user_id) <= (r.waiting_since, r.user_id)) AS place"
    " FROM rsvps r WHERE r.meeting_id = ? AND r.user_id = ? AND r.state = 'waiting'"
    " AND NOT EXISTS (SELECT 1 FROM rounds n JOIN round_deliveries d ON d.round_id = n.id"
    " WHERE n.meeting_id = r.meeting_id AND n.kind = ? AND d.user_id = r.user_id AND n.id > ?)"
)


async def place_to_tell(db: Database, meeting_id: int, user_id: int, notice_id: int) -> int | None:
    """The place on the waiting list that the waiting-list notice ``notice_id`` tells the member, read when it goes
    out; None once they are no longer waiting, or when a later notice of theirs tells it instead."""
    async with db.read() as conn:
        place: int | None = await conn.fetchval(
            _PLACE_TO_TELL, (meeting_id, user_id, RoundKind.WAITLISTED.value, notice_id)
        )
    return place


def _takes_answers(meeting: sqlite3.Row, stamp: str) -> bool:
    status, starts_at = MeetingStatus(meeting["status"]), instant_from_db(meeting["starts_at"])
    return takes_answers(status, starts_at, instant_from_db(stamp))


# Everything a decision needs in one statement: the meeting's guild, capacity, status and start, the member's current
# answer and the seats taken (members going plus guests).
_SNAPSHOT = (
    "SELECT m.guild_id, m.capacity, m.status, m.starts_at,"
    " (SELECT state FROM rsvps WHERE meeting_id = m.id AND user_id = ?) AS current,"
    " (SELECT count(*) FROM rsvps WHERE meeting_id = m.id AND state = 'going')"
    " + (SELECT count(*) FROM guests WHERE meeting_id = m.id) AS taken"
    " FROM meetings m WHERE m.id = ?"
)


async def _apply(
    conn: Connection,
    meeting_id: int,
    user_id: int,
    choice: RsvpState | None,
    stamp: str,
    name: str | None,
    removed_emoji: str | None = None,
) -> RsvpChange:
    """Apply a member's choice (or, with ``removed_emoji``, the removal of a reaction) inside a transaction; a
    meeting that no longer takes answers keeps the one it has."""
    snapshot = await conn.fetchone(_SNAPSHOT, (user_id, meeting_id))
    if snapshot is None:
        raise MeetingGone(meeting_id)
    await members.remember_name(conn, snapshot["guild_id"], user_id, name, stamp)
    before = None if snapshot["current"] is None else RsvpState(snapshot["current"])
    if not _takes_answers(snapshot, stamp):
        return RsvpChange(user_id, before, before)
    if removed_emoji is not None:
        changed, after = state_after_removal(before, removed_emoji)
        if not changed:
            return RsvpChange(user_id, before, before)
    else:
        after = resolve_choice(before, choice, snapshot["capacity"], snapshot["taken"])
    if after is before:
        return RsvpChange(user_id, before, after)
    await _write_state(conn, meeting_id, user_id, after, stamp)
    if after is RsvpState.WAITING:
        # Told by a round written with the answer, so a stop before the DM never leaves them untold.
        await rounds.add_notice(
            conn, snapshot["guild_id"], meeting_id, RoundKind.WAITLISTED, (user_id,), instant_from_db(stamp)
        )
    promoted = await promote_waiting(conn, meeting_id, stamp) if before is RsvpState.GOING else ()
    return RsvpChange(user_id, before, after, promoted)


async def answer(
    db: Database, meeting_id: int, user_id: int, choice: RsvpState | None, now: datetime, name: str | None = None
) -> RsvpChange:
    """Set a member's answer (``None`` clears it), moving the waiting list up if a seat was freed."""
    async with db.transaction() as conn:
        return await _apply(conn, meeting_id, user_id, choice, instant_to_db(now), name)


async def reaction_added(
    db: Database, meeting_id: int, user_id: int, emoji: str, now: datetime, name: str | None = None
) -> RsvpChange:
    """A member reacted on the announcement: remember the reaction and apply the answer it gives."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO announcement_reactions (meeting_id, user_id, emoji, seen_at) VALUES (?, ?, ?, ?)",
            (meeting_id, user_id, emoji, stamp),
        )
        return await _apply(conn, meeting_id, user_id, choice_for_emoji(emoji), stamp, name)


async def reaction_removed(db: Database, meeting_id: int, user_id: int, emoji: str, now: datetime) -> RsvpChange:
    """A reaction went away: clears the answer only if it was the reaction of the member's current state."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        await conn.execute(
            "DELETE FROM announcement_reactions WHERE meeting_id = ? AND user_id = ? AND emoji = ?",
            (meeting_id, user_id, emoji),
        )
        return await _apply(conn, meeting_id, user_id, None, stamp, None, removed_emoji=emoji)


async def observed_reactions(db: Database, meeting_id: int) -> set[tuple[int, str]]:
    """The (user, emoji) RSVP reactions the bot has seen on the meeting's announcement."""
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT user_id, emoji FROM announcement_reactions WHERE meeting_id = ?", (meeting_id,)
        )
    return {(row["user_id"], row["emoji"]) for row in rows}


async def forget_observed_reactions(db: Database, meeting_id: int) -> None:
    """A new announcement starts without member reactions; the answers themselves are kept."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM announcement_reactions WHERE meeting_id = ?", (meeting_id,))


async def states(db: Database, meeting_id: int) -> dict[int, RsvpState]:
    async with db.read() as conn:
        rows = await conn.fetchall("SELECT user_id, state FROM rsvps WHERE meeting_id = ?", (meeting_id,))
    return {row["user_id"]: RsvpState(row["state"]) for row in rows}


async def reminder_audience(db: Database, guild_id: int, meeting_id: int) -> list[int]:
    """Members who answered going or maybe and have not turned reminder DMs off (the default is on)."""
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT r.user_id FROM rsvps r LEFT JOIN members m ON m.guild_id = ? AND m.user_id = r.user_id"
            " WHERE r.meeting_id = ? AND r.state IN ('going', 'maybe') AND coalesce(m.dm_reminders, 1) = 1"
            " ORDER BY r.user_id",
            (guild_id, meeting_id),
        )
    return [row["user_id"] for row in rows]


async def state_of(db: Database, meeting_id: int, user_id: int) -> RsvpState | None:
    async with db.read() as conn:
        return await _current_state(conn, meeting_id, user_id)


async def roster(db: Database, meeting_id: int) -> Roster:
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT r.user_id, r.state, r.changed_at, coalesce(mb.display_name, '') AS name"
            " FROM rsvps r JOIN meetings m ON m.id = r.meeting_id"
            " LEFT JOIN members mb ON mb.guild_id = m.guild_id AND mb.user_id = r.user_id"
            # An erased member's row of a past meeting keeps its count under a negative id; no list names it.
            " WHERE r.meeting_id = ? AND r.user_id > 0 ORDER BY coalesce(r.waiting_since, r.changed_at), r.user_id",
            (meeting_id,),
        )
        guest_rows = await conn.fetchall(
            "SELECT g.id, g.meeting_id, g.host_user_id, g.name, g.business, coalesce(mb.display_name, '') AS host_name"
            " FROM guests g JOIN meetings m ON m.id = g.meeting_id"
            " LEFT JOIN members mb ON mb.guild_id = m.guild_id AND mb.user_id = g.host_user_id"
            " WHERE g.meeting_id = ? AND g.host_user_id > 0 ORDER BY g.id",
            (meeting_id,),
        )
    by_state: dict[RsvpState, list[Attendee]] = {state: [] for state in RsvpState}
    for row in rows:
        state = RsvpState(row["state"])
        name = row["name"] or str(row["user_id"])
        by_state[state].append(Attendee(row["user_id"], name, state, instant_from_db(row["changed_at"])))
    return Roster(
        going=tuple(by_state[RsvpState.GOING]),
        maybe=tuple(by_state[RsvpState.MAYBE]),
        not_going=tuple(by_state[RsvpState.NOT_GOING]),
        waiting=tuple(by_state[RsvpState.WAITING]),
        guests=tuple(_guest(row) for row in guest_rows),
    )


def _guest(row: sqlite3.Row) -> Guest:
    return Guest(
        id=row["id"],
        meeting_id=row["meeting_id"],
        host_user_id=row["host_user_id"],
        host_name=row["host_name"] or str(row["host_user_id"]),
        name=row["name"],
        business=row["business"],
    )


class MeetingFull(Exception):  # noqa: N818 - a state, not a programming error
    """No seat is free for another guest."""


# A member's guests for a meeting, in the order they were added.
_GUESTS_OF = (
    "SELECT id, meeting_id, host_user_id, name, business, '' AS host_name FROM guests"
    " WHERE meeting_id = ? AND host_user_id = ? ORDER BY id"
)


class TooManyGuests(Exception):  # noqa: N818 - a state, not a programming error
    """The member brings as many guests as one member may."""


class GuestListed(Exception):  # noqa: N818 - a state, not a programming error
    """The member has this guest on the list already (a form sent twice, e.g. after an answer that failed)."""

    def __init__(self, guest: Guest) -> None:
        super().__init__(guest.id)
        self.guest = guest


async def add_guest(
    db: Database, meeting_id: int, host_user_id: int, name: str, business: str | None, now: datetime, *, most: int
) -> Guest:
    """Register a member's guest; guests take seats, so a full meeting refuses them, and a member brings ``most``
    guests at most. The same guest again (names compared without case) is refused, so sending a form twice adds
    one guest."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        own = [_guest(row) for row in await conn.fetchall(_GUESTS_OF, (meeting_id, host_user_id))]
        listed = next((guest for guest in own if same_guest(guest, name, business)), None)
        if listed is not None:
            raise GuestListed(listed)
        if len(own) >= most:
            raise TooManyGuests(meeting_id)
        capacity = await _capacity(conn, meeting_id)
        if capacity is not None and await _seats_taken(conn, meeting_id) >= capacity:
            raise MeetingFull(meeting_id)
        guest_id = await conn.insert(
            "INSERT INTO guests (meeting_id, host_user_id, name, business, created_at) VALUES (?, ?, ?, ?, ?)",
            (meeting_id, host_user_id, name, business, stamp),
        )
    return Guest(guest_id, meeting_id, host_user_id, "", name, business)


# One of a member's own guests, by its id.
_OWN_GUEST = (
    "SELECT id, meeting_id, host_user_id, name, business, '' AS host_name FROM guests WHERE id = ? AND host_user_id = ?"
)


async def remove_guest(
    db: Database, guest_id: int, host_user_id: int, now: datetime
) -> tuple[Guest | None, tuple[int, ...]]:
    """Remove one of the member's own guests; the freed seat goes to the waiting list. Returns (guest, promoted)."""
    async with db.transaction() as conn:
        row = await conn.fetchone(_OWN_GUEST, (guest_id, host_user_id))
        if row is None:
            return None, ()
        await conn.execute("DELETE FROM guests WHERE id = ?", (guest_id,))
        promoted = await promote_waiting(conn, row["meeting_id"], instant_to_db(now))
    return _guest(row), promoted


async def guest_of(db: Database, guest_id: int, host_user_id: int) -> Guest | None:
    """One of the member's own guests, or None if it is gone or not theirs."""
    async with db.read() as conn:
        row = await conn.fetchone(_OWN_GUEST, (guest_id, host_user_id))
    return None if row is None else _guest(row)


async def guests_of(db: Database, meeting_id: int, host_user_id: int) -> list[Guest]:
    async with db.read() as conn:
        rows = await conn.fetchall(_GUESTS_OF, (meeting_id, host_user_id))
    return [_guest(row) for row in rows]
