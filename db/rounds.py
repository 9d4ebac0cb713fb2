"""SQL for timed rounds and their per-recipient deliveries; the state machine's transitions live here only.

Every transition is one guarded ``UPDATE … WHERE state = …``, so a finished row (sent, skipped, failed, cancelled)
can never be reopened, whoever asks.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.rounds import DeliveryState, InDoubt, Round, RoundKind, RoundState
from db.codec import instant_from_db, instant_to_db, optional_instant_from_db
from db.database import Connection, Database

_COLUMNS = (
    "id, guild_id, meeting_id, kind, subject, planned_for, due_at, retry_at, state, reason, audience_fixed,"
    " channel_message_id, attempts, last_error, post_channel_id, post_fingerprint, post_attempted_at"
)
_OPEN = "state IN ('pending', 'sending')"
_SAME_KEY = "guild_id = ? AND meeting_id IS ? AND kind = ? AND subject = ?"


def _round(row: sqlite3.Row) -> Round:
    return Round(
        id=row["id"],
        guild_id=row["guild_id"],
        meeting_id=row["meeting_id"],
        kind=RoundKind(row["kind"]),
        subject=row["subject"],
        planned_for=optional_instant_from_db(row["planned_for"]),
        due_at=instant_from_db(row["due_at"]),
        retry_at=optional_instant_from_db(row["retry_at"]),
        state=RoundState(row["state"]),
        reason=row["reason"],
        audience_fixed=bool(row["audience_fixed"]),
        channel_message_id=row["channel_message_id"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        post_in_doubt=None
        if row["post_fingerprint"] is None
        else InDoubt(row["post_channel_id"], row["post_fingerprint"], instant_from_db(row["post_attempted_at"])),
    )


def _optional(value: datetime | None) -> str | None:
    return None if value is None else instant_to_db(value)


async def schedule(
    db: Database,
    guild_id: int,
    meeting_id: int | None,
    kind: RoundKind,
    subject: str,
    due_at: datetime,
    planned_for: datetime | None,
    now: datetime,
    *,
    may_be_late: bool,
) -> Round | None:
    """Create or move the one open row for (meeting, kind, subject); returns it, or None if nothing is open.

    - A row already sending is left as it is.
    - A pending row moves to the new moment; if that moment has passed and the round may not go out late (the
      organiser moved the meeting inside the window), it is cancelled instead: nobody is asked at short notice.
    - A finished row for the same ``planned_for`` means the work is done: nothing is created. A finished row for
      another ``planned_for`` (the meeting moved since) leaves room for a new row, if its moment is ahead.
    - ``may_be_late`` (at start, when the round still makes sense) keeps a pending row whose moment passed while the
      bot was down, so it runs at once and says it is late. A row is never created for a moment already past.
    """
    key = (guild_id, meeting_id, kind.value, subject)
    stamp = instant_to_db(now)
    ahead = due_at > now
    async with db.transaction() as conn:
        history = [_round(row) for row in await conn.fetchall(f"SELECT {_COLUMNS} FROM rounds WHERE {_SAME_KEY}", key)]
        current = next((row for row in history if not row.state.finished), None)
        # A cancelled row delivered nothing, so it does not count as done (a format changed back, say).
        done = any(
            row.state.finished and row.state is not RoundState.CANCELLED
            for row in history
            if row.planned_for == planned_for
        )
        if current is not None:
            if current.state is RoundState.SENDING or (current.due_at == due_at and current.planned_for == planned_for):
                return current
            if not done and (ahead or may_be_late):
                await conn.execute(
                    "UPDATE rounds SET due_at = ?, planned_for = ?, retry_at = NULL, updated_at = ?"
                    " WHERE id = ? AND state = 'pending'",
                    (instant_to_db(due_at), _optional(planned_for), stamp, current.id),
                )
                return await _get(conn, current.id)
            reason = "done for this meeting time already" if done else "moved: its moment had passed"
            await _cancel(conn, [current.id], reason, stamp)
            return None
        if done or not ahead:
            # A moment that passed before the row existed was never missed: it was never scheduled.
            return None
        round_id = await conn.insert(
            "INSERT INTO rounds (guild_id, meeting_id, kind, subject, planned_for, due_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (*key, _optional(planned_for), instant_to_db(due_at), stamp, stamp),
        )
        return await _get(conn, round_id)


async def add_one_off(
    conn: Connection,
    guild_id: int,
    meeting_id: int | None,
    kind: RoundKind,
    due_at: datetime,
    now: datetime,
    *,
    about: str = "",
) -> int:
    """A round that happens once per request (an organiser's extra reminder, a change notice), numbered per meeting
    (per kind for rounds of no meeting);
    ``about`` (no member's id: it is not erased) is kept in the subject after the number as ``"3:about"``.

    Takes a connection so it can be written in the same transaction as the change that calls for it.
    """
    count = await conn.fetchval("SELECT count(*) FROM rounds WHERE meeting_id IS ? AND kind = ?", (meeting_id, kind))
    subject = f"{count + 1}:{about}" if about else str(count + 1)
    stamp = instant_to_db(now)
    return await conn.insert(
        "INSERT INTO rounds (guild_id, meeting_id, kind, subject, due_at, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (guild_id, meeting_id, kind.value, subject, instant_to_db(due_at), stamp, stamp),
    )


async def add_notice(
    conn: Connection,
    guild_id: int,
    meeting_id: int | None,
    kind: RoundKind,
    audience: Sequence[int],
    now: datetime,
    *,
    about: str = "",
) -> int:
    """What follows a change, due at once and written in the change's own transaction, its audience fixed with it:
    the runner delivers it exactly once even if the answer to the member's button fails or the bot stops."""
    round_id = await add_one_off(conn, guild_id, meeting_id, kind, now, now, about=about)
    stamp = instant_to_db(now)
    await conn.execute("UPDATE rounds SET audience_fixed = 1 WHERE id = ?", (round_id,))
    await conn.executemany(
        "INSERT INTO round_deliveries (round_id, user_id, updated_at) VALUES (?, ?, ?)",
        [(round_id, user_id, stamp) for user_id in audience],
    )
    return round_id


async def add_once(db: Database, guild_id: int, kind: RoundKind, subject: str, now: datetime) -> Round:
    """A round of no meeting due at once, created once for ``subject`` (the id of the round it follows): a resumed
    run asking again gets the row made the first time, so what it does is never done twice."""
    key = (guild_id, None, kind.value, subject)
    async with db.transaction() as conn:
        round_id = await conn.fetchval(f"SELECT id FROM rounds WHERE {_SAME_KEY} ORDER BY id LIMIT 1", key)
        if round_id is None:
            stamp = instant_to_db(now)
            round_id = await conn.insert(
                "INSERT INTO rounds (guild_id, meeting_id, kind, subject, due_at, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*key, stamp, stamp, stamp),
            )
        created = await _get(conn, round_id)
    assert created is not None
    return created


def notice_about(row: Round) -> str:
    """What a one-off round is about (:func:`add_one_off`'s ``about``)."""
    return row.subject.partition(":")[2]


class TooSoon(Exception):  # noqa: N818 - a state, not a programming error
    """A one-off of this kind was asked for the meeting less than the required gap ago (at ``last``)."""

    def __init__(self, last: datetime) -> None:
        super().__init__(last)
        self.last = last


async def create_one_off(
    db: Database,
    guild_id: int,
    meeting_id: int,
    kind: RoundKind,
    due_at: datetime,
    now: datetime,
    *,
    apart: timedelta | None = None,
) -> Round:
    """A one-off round (:func:`add_one_off`); with ``apart``, raises :class:`TooSoon` instead if one of the same kind
    was created for the meeting less than ``apart`` before ``now``. Created rows are the record, so the gap holds
    across restarts, and the check and the insert are one transaction, so two organisers asking at once make one."""
    async with db.transaction() as conn:
        if apart is not None:
            last = await conn.fetchval(
                "SELECT max(created_at) FROM rounds WHERE meeting_id = ? AND kind = ?", (meeting_id, kind.value)
            )
            if last is not None and instant_from_db(last) > now - apart:
                raise TooSoon(instant_from_db(last))
        round_id = await add_one_off(conn, guild_id, meeting_id, kind, due_at, now)
        created = await _get(conn, round_id)
    assert created is not None
    return created


async def _get(conn: Connection, round_id: int) -> Round | None:
    row = await conn.fetchone(f"SELECT {_COLUMNS} FROM rounds WHERE id = ?", (round_id,))
    return None if row is None else _round(row)


async def get(db: Database, round_id: int) -> Round | None:
    async with db.read() as conn:
        return await _get(conn, round_id)


async def _cancel(conn: Connection, round_ids: list[int], reason: str, stamp: str) -> None:
    await conn.executemany(
        "UPDATE rounds SET state = 'cancelled', reason = ?, finished_at = ?, updated_at = ?"
        " WHERE id = ? AND state = 'pending'",
        [(reason, stamp, stamp, round_id) for round_id in round_ids],
    )


async def cancel_pending(
    db: Database, guild_id: int, meeting_id: int | None, kind: RoundKind, subject: str, reason: str, now: datetime
) -> int | None:
    """Cancel the pending row of (meeting, kind, subject), e.g. a meeting changed format; returns its id."""
    async with db.transaction() as conn:
        round_id: int | None = await conn.fetchval(
            f"SELECT id FROM rounds WHERE {_SAME_KEY} AND state = 'pending'", (guild_id, meeting_id, kind, subject)
        )
        if round_id is not None:
            await _cancel(conn, [round_id], reason, instant_to_db(now))
    return round_id


async def cancel_pending_except(
    db: Database, guild_id: int, kind: RoundKind, keep_subject: str, reason: str, now: datetime
) -> list[int]:
    """Cancel the pending rows of a kind that belongs to no meeting, but the one for ``keep_subject``."""
    async with db.transaction() as conn:
        rows = await conn.fetchall(
            "SELECT id FROM rounds WHERE guild_id = ? AND meeting_id IS NULL AND kind = ? AND subject != ?"
            " AND state = 'pending'",
            (guild_id, kind, keep_subject),
        )
        ids = [row["id"] for row in rows]
        await _cancel(conn, ids, reason, instant_to_db(now))
    return ids


async def cancel_pending_for_meeting(
    conn: Connection, meeting_id: int, reason: str, now: datetime, *, keep: tuple[RoundKind, ...] = ()
) -> list[int]:
    """Cancel a meeting's rows that have not started (in the caller's transaction); returns their ids."""
    rows = await conn.fetchall("SELECT id, kind FROM rounds WHERE meeting_id = ? AND state = 'pending'", (meeting_id,))
    ids = [row["id"] for row in rows if row["kind"] not in keep]
    await _cancel(conn, ids, reason, instant_to_db(now))
    return ids


async def unfinished(db: Database, guild_id: int) -> list[Round]:
    """Rows still to run, and those a stopped bot left half-sent, soonest first."""
    async with db.read() as conn:
        rows = await conn.fetchall(
            f"SELECT {_COLUMNS} FROM rounds WHERE guild_id = ? AND {_OPEN} ORDER BY due_at, id", (guild_id,)
        )
    return [_round(row) for row in rows]


async def for_meeting(db: Database, meeting_id: int) -> list[Round]:
    async with db.read() as conn:
        rows = await conn.fetchall(f"SELECT {_COLUMNS} FROM rounds WHERE meeting_id = ? ORDER BY id", (meeting_id,))
    return [_round(row) for row in rows]


async def claim(db: Database, round_id: int, now: datetime) -> Round | None:
    """Take a row whose moment has come (pending → sending), or resume one a stopped bot left sending; None if it is
    not due, or not ours (finished by now)."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE rounds SET state = 'sending', attempts = attempts + 1, updated_at = ?"
            " WHERE id = ? AND (state = 'sending'"
            " OR (state = 'pending' AND due_at <= ? AND (retry_at IS NULL OR retry_at <= ?)))",
            (stamp, round_id, stamp, stamp),
        )
        row = await conn.fetchone(f"SELECT {_COLUMNS} FROM rounds WHERE id = ? AND state = 'sending'", (round_id,))
    return None if row is None else _round(row)


async def finish(db: Database, round_id: int, state: RoundState, reason: str | None, now: datetime) -> bool:
    """sending → a finished state; False if the row was not sending (nothing changed)."""
    assert state.finished, state
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        changed = await conn.execute(
            "UPDATE rounds SET state = ?, reason = ?, retry_at = NULL, finished_at = ?, updated_at = ?"
            " WHERE id = ? AND state = 'sending'",
            (state.value, reason, stamp, stamp, round_id),
        )
    return changed == 1


async def give_up(db: Database, round_id: int, error: str, now: datetime, *, notice: str | None) -> Round | None:
    """sending → failed, and with ``notice`` (its subject) the round that tells the organisers, in one transaction:
    the notice is then retried like any round, so an outage that made the row give up does not lose it too. Returns
    the notice's row (None without one, or if the row was not sending)."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        changed = await conn.execute(
            "UPDATE rounds SET state = 'failed', reason = ?, retry_at = NULL, finished_at = ?, updated_at = ?"
            " WHERE id = ? AND state = 'sending'",
            (error, stamp, stamp, round_id),
        )
        if not changed or notice is None:
            return None
        guild_id = await conn.fetchval("SELECT guild_id FROM rounds WHERE id = ?", (round_id,))
        notice_id = await conn.insert(
            "INSERT INTO rounds (guild_id, kind, subject, due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (guild_id, RoundKind.GIVEN_UP.value, notice, stamp, stamp, stamp),
        )
        return await _get(conn, notice_id)


async def retry_later(db: Database, round_id: int, retry_at: datetime, error: str, now: datetime) -> None:
    """sending → pending with a later retry time; the row keeps its moment (so lateness is still told right)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE rounds SET state = 'pending', retry_at = ?, last_error = ?, updated_at = ?"
            " WHERE id = ? AND state = 'sending'",
            (instant_to_db(retry_at), error, instant_to_db(now), round_id),
        )


# -- recipients ---------------------------------------------------------------------------------------------------


async def fix_audience(db: Database, round_id: int, user_ids: list[int], now: datetime) -> bool:
    """Record who the round goes to, once: a resumed or retried round keeps the audience it had. Returns whether
    this call fixed it."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        fixed = await conn.execute(
            "UPDATE rounds SET audience_fixed = 1, updated_at = ? WHERE id = ? AND audience_fixed = 0",
            (stamp, round_id),
        )
        if fixed:
            await conn.executemany(
                "INSERT OR IGNORE INTO round_deliveries (round_id, user_id, updated_at) VALUES (?, ?, ?)",
                [(round_id, user_id, stamp) for user_id in user_ids],
            )
    return fixed == 1


async def recipients(db: Database, round_id: int, state: DeliveryState) -> list[int]:
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT user_id FROM round_deliveries WHERE round_id = ? AND state = ? ORDER BY user_id",
            (round_id, state.value),
        )
    return [row["user_id"] for row in rows]


async def delivery_counts(db: Database, round_id: int) -> dict[DeliveryState, int]:
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT state, count(*) AS n FROM round_deliveries WHERE round_id = ? GROUP BY state", (round_id,)
        )
    counts = dict.fromkeys(DeliveryState, 0)
    counts.update({DeliveryState(row["state"]): row["n"] for row in rows})
    return counts
