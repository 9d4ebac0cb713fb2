"""SQL for polls: the feedback poll after each meeting and organisers' general polls, one answer per member."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.feedback import Rating
from bot.polls import Poll, PollAnswer, PollKind, PollStatus
from bot.rounds import RoundKind
from db import rounds
from db.codec import instant_from_db, instant_to_db, optional_instant_from_db
from db.database import Database


class PollClosed(Exception):  # noqa: N818 - a state, not a programming error
    """Answers are no longer taken."""


_COLUMNS = "id, guild_id, meeting_id, kind, question, anonymous, status, closes_at, channel_id, message_id"


def _poll(row: sqlite3.Row, options: tuple[str, ...]) -> Poll:
    return Poll(
        id=row["id"],
        guild_id=row["guild_id"],
        meeting_id=row["meeting_id"],
        kind=PollKind(row["kind"]),
        question=row["question"],
        anonymous=bool(row["anonymous"]),
        status=PollStatus(row["status"]),
        closes_at=optional_instant_from_db(row["closes_at"]),
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        options=options,
    )


async def get(db: Database, poll_id: int) -> Poll | None:
    async with db.read() as conn:
        row = await conn.fetchone(f"SELECT {_COLUMNS} FROM polls WHERE id = ?", (poll_id,))
        options = await conn.fetchall("SELECT label FROM poll_options WHERE poll_id = ? ORDER BY position", (poll_id,))
    return None if row is None else _poll(row, tuple(option["label"] for option in options))


async def feedback_poll(db: Database, meeting_id: int) -> Poll | None:
    async with db.read() as conn:
        poll_id = await conn.fetchval(
            "SELECT id FROM polls WHERE meeting_id = ? AND kind = ?", (meeting_id, PollKind.FEEDBACK.value)
        )
    return None if poll_id is None else await get(db, poll_id)


async def create_feedback_poll(
    db: Database, guild_id: int, meeting_id: int, question: str, closes_at: datetime, now: datetime
) -> Poll:
    """The meeting's feedback poll, created once (a resumed round finds the existing one)."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO polls (guild_id, meeting_id, kind, question, closes_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (guild_id, meeting_id, PollKind.FEEDBACK.value, question, instant_to_db(closes_at), instant_to_db(now)),
        )
    poll = await feedback_poll(db, meeting_id)
    assert poll is not None
    return poll


async def create_general(
    db: Database,
    guild_id: int,
    question: str,
    options: list[str],
    anonymous: bool,
    closes_at: datetime | None,
    created_by: int,
    now: datetime,
) -> tuple[Poll, int]:
    """An organiser's poll and the round that posts it, written in the same transaction (returned by id): the poll
    is never kept without its post going up."""
    async with db.transaction() as conn:
        poll_id = await conn.insert(
            "INSERT INTO polls (guild_id, kind, question, anonymous, closes_at, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                PollKind.GENERAL.value,
                question,
                int(anonymous),
                closes_at and instant_to_db(closes_at),
                created_by,
                instant_to_db(now),
            ),
        )
        await conn.executemany(
            "INSERT INTO poll_options (poll_id, position, label) VALUES (?, ?, ?)",
            [(poll_id, position, label) for position, label in enumerate(options)],
        )
        round_id = await rounds.add_notice(conn, guild_id, None, RoundKind.POLL_POST, (), now, about=str(poll_id))
    poll = await get(db, poll_id)
    assert poll is not None
    return poll, round_id


async def set_message(db: Database, poll_id: int, channel_id: int, message_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE polls SET channel_id = ?, message_id = ? WHERE id = ?", (channel_id, message_id, poll_id)
        )


async def _answer(db: Database, poll_id: int, user_id: int, column: str, value: object, now: datetime) -> None:
    assert column in {"rating", "comment", "option"}  # a fixed column name, never input
    async with db.transaction() as conn:
        row = await conn.fetchone(f"SELECT {_COLUMNS} FROM polls WHERE id = ?", (poll_id,))
        if row is None or not _poll(row, ()).open_at(now):
            raise PollClosed(poll_id)
        await conn.execute(
            f"INSERT INTO poll_answers (poll_id, user_id, {column}, answered_at) VALUES (?, ?, ?, ?)"
            f" ON CONFLICT (poll_id, user_id) DO UPDATE SET {column} = excluded.{column},"
            " answered_at = excluded.answered_at",
            (poll_id, user_id, value, instant_to_db(now)),
        )


async def rate(db: Database, poll_id: int, user_id: int, rating: int, now: datetime) -> None:
    """One rating per member, changeable while the poll is open; raises :class:`PollClosed` after."""
    await _answer(db, poll_id, user_id, "rating", rating, now)


async def comment(db: Database, poll_id: int, user_id: int, text: str, now: datetime) -> None:
    await _answer(db, poll_id, user_id, "comment", text, now)


async def vote(db: Database, poll_id: int, user_id: int, option: int, now: datetime) -> None:
    """One vote per member in a general poll; voting again moves the vote."""
    await _answer(db, poll_id, user_id, "option", option, now)


async def ratings(db: Database, poll_id: int) -> list[Rating]:
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT user_id, rating, comment FROM poll_answers WHERE poll_id = ? ORDER BY answered_at, user_id",
            (poll_id,),
        )
    return [Rating(row["user_id"], row["rating"], row["comment"]) for row in rows]


async def votes(db: Database, poll_id: int) -> dict[int, list[int]]:
    """Voters per option position (the caller decides whether names may be shown)."""
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT option, user_id FROM poll_answers WHERE poll_id = ? AND option IS NOT NULL ORDER BY answered_at",
            (poll_id,),
        )
    result: dict[int, list[int]] = {}
    for row in rows:
        result.setdefault(row["option"], []).append(row["user_id"])
    return result


async def close(db: Database, poll_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute("UPDATE polls SET status = ? WHERE id = ?", (PollStatus.CLOSED.value, poll_id))


async def answers(db: Database, guild_id: int) -> list[PollAnswer]:
    """Every answer of every poll in the guild (no names from anonymous polls), poll by poll, oldest first."""
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT m.starts_at, p.question, p.anonymous, a.user_id, coalesce(mb.display_name, '') AS name,"
            " a.rating, o.label, a.comment, a.answered_at"
            " FROM poll_answers a JOIN polls p ON p.id = a.poll_id"
            " LEFT JOIN meetings m ON m.id = p.meeting_id"
            " LEFT JOIN poll_options o ON o.poll_id = p.id AND o.position = a.option"
            " LEFT JOIN members mb ON mb.guild_id = p.guild_id AND mb.user_id = a.user_id"
            " WHERE p.guild_id = ? ORDER BY p.id, a.answered_at",
            (guild_id,),
        )
    return [
        PollAnswer(
            meeting_start=optional_instant_from_db(row["starts_at"]),
            question=row["question"],
            # An erased member's answer keeps its rating under a negative id that names nobody.
            member=None if row["anonymous"] or row["user_id"] < 0 else (row["name"] or str(row["user_id"])),
            rating=row["rating"],
            option=row["label"],
            comment=row["comment"],
            answered_at=instant_from_db(row["answered_at"]),
        )
        for row in rows
    ]


async def season(
    db: Database, guild_id: int, until: datetime, limit: int = 12
) -> list[tuple[datetime, float | None, int]]:
    """The last ``limit`` meetings that have ended: (start, average rating or None, attendance)."""
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT m.starts_at,"
            " (SELECT avg(a.rating) FROM polls p JOIN poll_answers a ON a.poll_id = p.id"
            "   WHERE p.meeting_id = m.id AND p.kind = ? AND a.rating IS NOT NULL) AS average,"
            " (SELECT count(*) FROM attendance t WHERE t.meeting_id = m.id) AS attended"
            " FROM meetings m WHERE m.guild_id = ? AND m.status = 'planned' AND m.starts_at <= ?"
            " ORDER BY m.starts_at DESC LIMIT ?",
            (PollKind.FEEDBACK.value, guild_id, instant_to_db(until), limit),
        )
    return [(instant_from_db(row["starts_at"]), row["average"], row["attended"]) for row in reversed(rows)]
