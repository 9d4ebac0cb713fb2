"""SQL for members' data rights: every row that names a member, a copy of them, erasure, leavers and retention.

:data:`PERSONAL_COLUMNS` is the one list of where a member's id is stored. ``/mydata`` exports from it, erasure
walks it, and a test walks the schema so that a new table with a member column cannot be missed.

Erasure keeps aggregates true without the person: rows of past meetings (answers, check-ins, ratings, the program)
keep their place under a random negative id that names nobody, so counts and averages do not change; everything
that only serves the member (their language, preferences, answers for coming meetings, comments, votes) is deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.rounds import RoundKind
from db import rounds
from db.codec import instant_from_db, instant_to_db
from db.database import Connection, Database
from db.rsvps import promote_waiting

# table → the column that names a member. Tables with no member column are not listed.
PERSONAL_COLUMNS: dict[str, str] = {
    "members": "user_id",
    "dm_channels": "user_id",
    "rsvps": "user_id",
    "guests": "host_user_id",
    "attendance": "user_id",
    "announcement_reactions": "user_id",
    "program_slots": "user_id",
    "poll_answers": "user_id",
    "topics": "author_id",
    "topic_votes": "user_id",
    "round_deliveries": "user_id",
    "leavers": "user_id",
    "meetings": "created_by",
    "polls": "created_by",
    "settings": "changed_by",
    "profiles": "user_id",
}

# A fresh random negative id per row: it keeps a past row counted without naming anyone (Discord ids are positive).
_ANONYMOUS = "-1 - (abs(random()) % 9007199254740991)"
# Rows of past meetings that erasure and retention make anonymous: (table, member column, what else goes with the
# name — a guest's name and business, a sign-up's topic and brief).
_PAST_ROWS = (
    ("rsvps", "user_id", ""),
    ("attendance", "user_id", ""),
    ("guests", "host_user_id", ", name = '', business = NULL"),
    ("program_slots", "user_id", ", topic = NULL, brief = NULL"),
)
# Rows that only record who did an organiser's action keep the action and lose the name.
_NOBODY = 0


@dataclass(frozen=True, slots=True)
class ReleasedAnswer:
    meeting_id: int
    promoted: tuple[int, ...]  # members moved up from the waiting list into the freed seats


@dataclass(frozen=True, slots=True)
class TopicPost:
    topic_id: int
    channel_id: int | None
    message_id: int | None


@dataclass(slots=True)
class Erasure:
    """What an erasure did, for the follow-up on Discord (posts, waiting lists, organisers) and the confirmation."""

    released: list[ReleasedAnswer] = field(default_factory=list)
    freed_slots: list[tuple[int, str]] = field(default_factory=list)  # (meeting id, slot kind) confirmed and freed
    deleted_topics: list[TopicPost] = field(default_factory=list)
    voted_topics: list[int] = field(default_factory=list)  # topics that lost a vote and still exist
    anonymised_topics: list[int] = field(default_factory=list)  # planned topics that stay, without their author
    reactions: list[tuple[int, str]] = field(default_factory=list)  # (meeting id, emoji) left on coming posts
    counts: dict[str, int] = field(default_factory=dict)  # rows erased or made anonymous, per table
    notices: list[int] = field(default_factory=list)  # rounds written with the erasure: freed slots, topic posts


def _plain(row: sqlite3.Row) -> dict[str, Any]:
    return {key: row[key] for key in row.keys()}  # noqa: SIM118 - sqlite3.Row is not a mapping


async def member_rows(db: Database, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row that names the member, per table (``/mydata``'s file). The bot serves one server."""
    copy: dict[str, list[dict[str, Any]]] = {}
    async with db.read() as conn:
        for table, column in PERSONAL_COLUMNS.items():
            rows = await conn.fetchall(f"SELECT * FROM {table} WHERE {column} = ? ORDER BY rowid", (user_id,))
            if rows:
                copy[table] = [_plain(row) for row in rows]
    return copy


async def _secret(conn: Connection) -> bytes:
    key: bytes | None = await conn.fetchval("SELECT key FROM privacy_secret WHERE id = 1")
    if key is None:
        key = os.urandom(32)
        await conn.execute("INSERT INTO privacy_secret (id, key) VALUES (1, ?)", (key,))
    return key


def _member_key(secret: bytes, guild_id: int, user_id: int) -> str:
    return hmac.new(secret, f"{guild_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


async def release_coming_answers(conn: Connection, guild_id: int, user_id: int, stamp: str) -> list[ReleasedAnswer]:
    """Give up the member's answers and guests for meetings still to come: seats free up, the waiting list moves."""
    rows = await conn.fetchall(
        "SELECT m.id FROM meetings m WHERE m.guild_id = ? AND m.status = 'planned' AND m.starts_at > ?"
        " AND (EXISTS (SELECT 1 FROM rsvps WHERE meeting_id = m.id AND user_id = ?)"
        "  OR EXISTS (SELECT 1 FROM guests WHERE meeting_id = m.id AND host_user_id = ?))",
        (guild_id, stamp, user_id, user_id),
    )
    released = []
    for row in rows:
        await conn.execute("DELETE FROM rsvps WHERE meeting_id = ? AND user_id = ?", (row["id"], user_id))
        await conn.execute("DELETE FROM guests WHERE meeting_id = ? AND host_user_id = ?", (row["id"], user_id))
        released.append(ReleasedAnswer(row["id"], await promote_waiting(conn, row["id"], stamp)))
    return released


_COMING = "meeting_id IN (SELECT id FROM meetings WHERE starts_at > ?)"


async def _coming_reactions(conn: Connection, user_id: int, stamp: str) -> list[tuple[int, str]]:
    """The member's answer reactions on posts of meetings still to come (the bot takes them back where it may)."""
    rows = await conn.fetchall(
        f"SELECT meeting_id, emoji FROM announcement_reactions WHERE user_id = ? AND {_COMING}", (user_id, stamp)
    )
    return [(row["meeting_id"], row["emoji"]) for row in rows]


async def erase_member(db: Database, guild_id: int, user_id: int, now: datetime, kind: str) -> Erasure:
    """Erase the member's personal data in one transaction (``kind``: forget, forget_by_organiser or leaver)."""
    stamp = instant_to_db(now)
    erasure = Erasure()
    counts = erasure.counts
    async with db.transaction() as conn:
        erasure.reactions = await _coming_reactions(conn, user_id, stamp)
        erasure.released = await release_coming_answers(conn, guild_id, user_id, stamp)
        counts["rsvps"] = len(erasure.released)
        erasure.freed_slots = [
            (row["meeting_id"], row["kind"])
            for row in await conn.fetchall(
                f"SELECT meeting_id, kind FROM program_slots WHERE user_id = ? AND status = 'confirmed' AND {_COMING}",
                (user_id, stamp),
            )
        ]
        counts["program_slots"] = await conn.execute(
            f"DELETE FROM program_slots WHERE user_id = ? AND {_COMING}", (user_id, stamp)
        )
        topics = await conn.fetchall(
            "SELECT id, channel_id, message_id, status FROM topics WHERE author_id = ?", (user_id,)
        )
        erasure.deleted_topics = [
            TopicPost(row["id"], row["channel_id"], row["message_id"]) for row in topics if row["status"] != "planned"
        ]
        # What Discord must show afterwards is written with the erasure, so it happens once even if the answer to the
        # member's button fails or the bot stops (the runner delivers rounds; nothing here names the member).
        for meeting_id, slot_kind in erasure.freed_slots:
            erasure.notices.append(
                await rounds.add_notice(conn, guild_id, meeting_id, RoundKind.SLOT_FREED, (), now, about=slot_kind)
            )
        for post in erasure.deleted_topics:
            if post.channel_id is not None and post.message_id is not None:
                about = f"{post.channel_id}:{post.message_id}"
                removal = RoundKind.TOPIC_POST_REMOVAL
                erasure.notices.append(await rounds.add_notice(conn, guild_id, None, removal, (), now, about=about))
        erasure.anonymised_topics = [row["id"] for row in topics if row["status"] == "planned"]
        erasure.voted_topics = [
            row["topic_id"]
            for row in await conn.fetchall(
                "SELECT topic_id FROM topic_votes v JOIN topics t ON t.id = v.topic_id"
                " WHERE v.user_id = ? AND t.author_id != ?",
                (user_id, user_id),
            )
        ]
        counts["topic_votes"] = await conn.execute("DELETE FROM topic_votes WHERE user_id = ?", (user_id,))
        counts["topics"] = await conn.execute(
            "DELETE FROM topics WHERE author_id = ? AND status != 'planned'", (user_id,)
        ) + await conn.execute("UPDATE topics SET author_id = ? WHERE author_id = ?", (_NOBODY, user_id))
        counts["poll_answers"] = await conn.execute(
            f"UPDATE poll_answers SET user_id = {_ANONYMOUS}, comment = NULL WHERE user_id = ?", (user_id,)
        )
        for table, column, also in _PAST_ROWS:
            counts[table] = counts.get(table, 0) + await conn.execute(
                f"UPDATE {table} SET {column} = {_ANONYMOUS}{also} WHERE {column} = ?", (user_id,)
            )
        counts["round_deliveries"] = await conn.execute(
            f"UPDATE round_deliveries SET user_id = {_ANONYMOUS} WHERE user_id = ?", (user_id,)
        )
        for table in ("members", "dm_channels", "announcement_reactions", "leavers", "profiles"):
            counts[table] = await conn.execute(f"DELETE FROM {table} WHERE {PERSONAL_COLUMNS[table]} = ?", (user_id,))
        for table in ("meetings", "polls", "settings"):
            counts[table] = await conn.execute(
                f"UPDATE {table} SET {PERSONAL_COLUMNS[table]} = ? WHERE {PERSONAL_COLUMNS[table]} = ?",
                (_NOBODY, user_id),
            )
        await conn.execute(
            "INSERT INTO erasures (guild_id, member_key, erased_at) VALUES (?, ?, ?)",
            (guild_id, _member_key(await _secret(conn), guild_id, user_id), stamp),
        )
        await _log(conn, guild_id, kind, {"members": 1}, stamp)
    return erasure


async def erased_at(db: Database, guild_id: int, user_ids: set[int]) -> dict[int, datetime]:
    """When each of these members was last erased, for those who were (reactions older than that are not theirs
    to learn from)."""
    if not user_ids:
        return {}
    async with db.read() as conn:
        secret: bytes | None = await conn.fetchval("SELECT key FROM privacy_secret WHERE id = 1")
        if secret is None:
            return {}
        keys = {_member_key(secret, guild_id, user_id): user_id for user_id in user_ids}
        placeholders = ", ".join("?" for _ in keys)
        rows = await conn.fetchall(
            f"SELECT member_key, max(erased_at) AS at FROM erasures WHERE guild_id = ?"
            f" AND member_key IN ({placeholders}) GROUP BY member_key",
            (guild_id, *keys),
        )
    return {keys[row["member_key"]]: instant_from_db(row["at"]) for row in rows}


async def erased_since_posted(db: Database, guild_id: int, meeting_id: int, user_ids: set[int]) -> set[int]:
    """Members erased after the meeting was posted: a reaction of theirs found at start predates the erasure, so it
    is not an answer to learn (a reaction made after it was seen live and recorded, and is not asked about)."""
    erased = await erased_at(db, guild_id, user_ids)
    if not erased:
        return set()
    async with db.read() as conn:
        created = await conn.fetchval("SELECT created_at FROM meetings WHERE id = ?", (meeting_id,))
    posted = instant_from_db(created) if created is not None else None
    return {user_id for user_id, at in erased.items() if posted is None or posted <= at}


async def _log(conn: Connection, guild_id: int, kind: str, counts: dict[str, int], stamp: str) -> None:
    await conn.execute(
        "INSERT INTO privacy_log (guild_id, kind, counts, at) VALUES (?, ?, ?, ?)",
        (guild_id, kind, json.dumps(counts, sort_keys=True), stamp),
    )


# -- leavers -------------------------------------------------------------------------------------------------------


async def record_leave(db: Database, guild_id: int, user_id: int, now: datetime) -> tuple[int, Erasure]:
    """A member left: release their coming answers at once and remember when (for the erasure round)."""
    stamp = instant_to_db(now)
    erasure = Erasure()
    async with db.transaction() as conn:
        erasure.reactions = await _coming_reactions(conn, user_id, stamp)
        erasure.released = await release_coming_answers(conn, guild_id, user_id, stamp)
        await conn.execute(f"DELETE FROM announcement_reactions WHERE user_id = ? AND {_COMING}", (user_id, stamp))
        leaver_id: int = await conn.fetchval(
            "INSERT INTO leavers (guild_id, user_id, left_at) VALUES (?, ?, ?)"
            " ON CONFLICT (guild_id, user_id) DO UPDATE SET left_at = excluded.left_at RETURNING id",
            (guild_id, user_id, stamp),
        )
    return leaver_id, erasure


async def rejoined(db: Database, guild_id: int, user_id: int) -> int | None:
    """A leaver came back: nothing is erased; returns the leaver row that was waiting, if any."""
    async with db.transaction() as conn:
        leaver_id: int | None = await conn.fetchval(
            "DELETE FROM leavers WHERE guild_id = ? AND user_id = ? RETURNING id", (guild_id, user_id)
        )
    return leaver_id


async def leaver(db: Database, leaver_id: int) -> int | None:
    """The member a leaver row stands for, if they have not rejoined (or been erased) since."""
    async with db.read() as conn:
        user_id: int | None = await conn.fetchval("SELECT user_id FROM leavers WHERE id = ?", (leaver_id,))
    return user_id


async def leavers_due(db: Database, guild_id: int) -> list[tuple[int, datetime]]:
    """Every leaver waiting for erasure: (leaver id, when they left)."""
    async with db.read() as conn:
        rows = await conn.fetchall("SELECT id, left_at FROM leavers WHERE guild_id = ? ORDER BY id", (guild_id,))
    return [(row["id"], instant_from_db(row["left_at"])) for row in rows]


# -- retention -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetentionCounts:
    comments: int  # feedback comments deleted
    answers: int  # answers, guests, check-ins and program rows of old meetings made anonymous


async def apply_retention(
    db: Database, guild_id: int, now: datetime, keep_comments: timedelta, keep_history: timedelta
) -> RetentionCounts:
    """Delete comments older than ``keep_comments``; make answers of meetings older than ``keep_history`` anonymous."""
    stamp = instant_to_db(now)
    comments_before = instant_to_db(now - keep_comments)
    history_before = instant_to_db(now - keep_history)
    old = "meeting_id IN (SELECT id FROM meetings WHERE guild_id = ? AND starts_at < ?)"
    async with db.transaction() as conn:
        comments = await conn.execute(
            "UPDATE poll_answers SET comment = NULL WHERE comment IS NOT NULL AND answered_at < ?"
            " AND poll_id IN (SELECT id FROM polls WHERE guild_id = ?)",
            (comments_before, guild_id),
        )
        answers = 0
        for table, column, also in _PAST_ROWS:
            answers += await conn.execute(
                f"UPDATE {table} SET {column} = {_ANONYMOUS}{also} WHERE {column} > 0 AND {old}",
                (guild_id, history_before),
            )
        await conn.execute(f"DELETE FROM announcement_reactions WHERE {old}", (guild_id, history_before))
        await conn.execute(
            f"UPDATE round_deliveries SET user_id = {_ANONYMOUS} WHERE user_id > 0"
            f" AND round_id IN (SELECT id FROM rounds WHERE {old})",
            (guild_id, history_before),
        )
        counts = RetentionCounts(comments, answers)
        await _log(conn, guild_id, "retention", {"comments": comments, "answers": answers}, stamp)
    return counts


# -- the organisers' report ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrivacyReport:
    members_known: int
    leavers_pending: int
    erasures: int  # members erased, on request or after leaving
    last_retention: datetime | None
    last_retention_counts: dict[str, int]


async def report(db: Database, guild_id: int) -> PrivacyReport:
    async with db.read() as conn:
        known = await conn.fetchval("SELECT count(*) FROM members WHERE guild_id = ?", (guild_id,))
        pending = await conn.fetchval("SELECT count(*) FROM leavers WHERE guild_id = ?", (guild_id,))
        erasures = await conn.fetchval(
            "SELECT count(*) FROM privacy_log WHERE guild_id = ? AND kind != 'retention'", (guild_id,)
        )
        last = await conn.fetchone(
            "SELECT counts, at FROM privacy_log WHERE guild_id = ? AND kind = 'retention' ORDER BY id DESC LIMIT 1",
            (guild_id,),
        )
    return PrivacyReport(
        members_known=known,
        leavers_pending=pending,
        erasures=erasures,
        last_retention=None if last is None else instant_from_db(last["at"]),
        last_retention_counts={} if last is None else json.loads(last["counts"]),
    )
