"""SQL for members' topic ideas and their up-votes."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.rounds import RoundKind
from bot.topics import Topic, TopicStatus
from db import members, rounds
from db.codec import instant_to_db
from db.database import Database

_SELECT = (
    "SELECT t.id, t.guild_id, t.author_id, t.text, t.status, t.meeting_id, t.channel_id, t.message_id,"
    " (SELECT count(*) FROM topic_votes v WHERE v.topic_id = t.id) AS votes FROM topics t"
)


def _topic(row: sqlite3.Row) -> Topic:
    return Topic(
        id=row["id"],
        guild_id=row["guild_id"],
        author_id=row["author_id"],
        text=row["text"],
        status=TopicStatus(row["status"]),
        meeting_id=row["meeting_id"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        votes=row["votes"],
    )


async def suggest(
    db: Database, guild_id: int, author_id: int, author_name: str, text: str, now: datetime
) -> tuple[Topic, int]:
    """A new topic, up-voted by its author (their vote counts once, like everyone's), and the round that posts it,
    written in the same transaction (returned by id): the idea is never kept without its post going up."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        await members.remember_name(conn, guild_id, author_id, author_name, stamp)
        topic_id = await conn.insert(
            "INSERT INTO topics (guild_id, author_id, text, created_at) VALUES (?, ?, ?, ?)",
            (guild_id, author_id, text, stamp),
        )
        await conn.execute(
            "INSERT INTO topic_votes (topic_id, user_id, voted_at) VALUES (?, ?, ?)", (topic_id, author_id, stamp)
        )
        row = await conn.fetchone(f"{_SELECT} WHERE t.id = ?", (topic_id,))
        round_id = await rounds.add_notice(conn, guild_id, None, RoundKind.TOPIC_POST, (), now, about=str(topic_id))
    assert row is not None
    return _topic(row), round_id


async def author_name(db: Database, topic_id: int) -> str:
    """The name the idea's author had when last seen ("" if unknown)."""
    async with db.read() as conn:
        name = await conn.fetchval(
            "SELECT mb.display_name FROM topics t"
            " JOIN members mb ON mb.guild_id = t.guild_id AND mb.user_id = t.author_id WHERE t.id = ?",
            (topic_id,),
        )
    return name or ""


async def get(db: Database, guild_id: int, topic_id: int) -> Topic | None:
    async with db.read() as conn:
        row = await conn.fetchone(f"{_SELECT} WHERE t.guild_id = ? AND t.id = ?", (guild_id, topic_id))
    return None if row is None else _topic(row)


async def set_message(db: Database, topic_id: int, channel_id: int, message_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE topics SET channel_id = ?, message_id = ? WHERE id = ?", (channel_id, message_id, topic_id)
        )


async def toggle_vote(db: Database, topic_id: int, user_id: int, now: datetime) -> tuple[bool, int]:
    """Up-vote, or take the up-vote back; returns (voted now, votes)."""
    async with db.transaction() as conn:
        removed = await conn.execute("DELETE FROM topic_votes WHERE topic_id = ? AND user_id = ?", (topic_id, user_id))
        if not removed:
            await conn.execute(
                "INSERT INTO topic_votes (topic_id, user_id, voted_at) VALUES (?, ?, ?)",
                (topic_id, user_id, instant_to_db(now)),
            )
        count: int = await conn.fetchval("SELECT count(*) FROM topic_votes WHERE topic_id = ?", (topic_id,))
    return not removed, count


async def most_wanted(db: Database, guild_id: int, limit: int = 10) -> list[Topic]:
    async with db.read() as conn:
        rows = await conn.fetchall(
            f"{_SELECT} WHERE t.guild_id = ? AND t.status != ? ORDER BY votes DESC, t.id LIMIT ?",
            (guild_id, TopicStatus.CLOSED.value, limit),
        )
    return [_topic(row) for row in rows]


async def set_status(db: Database, topic_id: int, status: TopicStatus, meeting_id: int | None) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE topics SET status = ?, meeting_id = ? WHERE id = ?", (status.value, meeting_id, topic_id)
        )


async def planned_for(db: Database, meeting_id: int) -> list[str]:
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT text FROM topics WHERE meeting_id = ? AND status = ? ORDER BY id",
            (meeting_id, TopicStatus.PLANNED.value),
        )
    return [row["text"] for row in rows]


async def all_topics(db: Database, guild_id: int) -> list[Topic]:
    async with db.read() as conn:
        rows = await conn.fetchall(f"{_SELECT} WHERE t.guild_id = ? ORDER BY t.id", (guild_id,))
    return [_topic(row) for row in rows]
