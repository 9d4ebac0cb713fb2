from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.meetings import MeetingFormat
from bot.rsvp import RsvpState
from db import command_sync, meetings, members, rsvps
from db.database import Database, Migration, backup, bundled_migrations, latest_version

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
EXPECTED_TABLES = {
    "meetings",
    "rsvps",
    "guests",
    "attendance",
    "program_slots",
    "rounds",
    "round_deliveries",
    "polls",
    "poll_options",
    "poll_answers",
    "topics",
    "topic_votes",
    "members",
    "command_sync",
}


async def open_db(path: Path) -> Database:
    db = Database(path)
    await db.open()
    return db


async def test_fresh_database_is_migrated_with_pragmas(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "bot.sqlite3")
    try:
        assert await db.migrate() == list(range(1, latest_version() + 1))
        assert await db.schema_version() == latest_version()
        async with db.read() as conn:
            tables = {row[0] for row in await conn.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
            assert tables >= EXPECTED_TABLES
            assert await conn.fetchval("PRAGMA journal_mode") == "wal"
            assert await conn.fetchval("PRAGMA foreign_keys") == 1
            assert await conn.fetchval("PRAGMA busy_timeout") == 5000
    finally:
        await db.close()


async def test_already_migrated_database_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await open_db(path)
    await db.migrate()
    await members.remember_language(db, 1, 2, "da", NOW)
    await db.close()
    db = await open_db(path)
    try:
        assert await db.migrate() == []
        assert await members.member_language(db, 1, 2) == "da"
    finally:
        await db.close()


async def test_failing_migration_is_rolled_back_whole(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "bot.sqlite3")
    good = Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "0002_b.sql", "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);")
    try:
        with pytest.raises(sqlite3.OperationalError):
            await db.migrate([good, bad])
        assert await db.schema_version() == 1
        async with db.read() as conn:
            assert await conn.fetchval("SELECT count(*) FROM sqlite_master WHERE name = 'b'") == 0
    finally:
        await db.close()


async def test_database_newer_than_the_bot_is_refused(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "bot.sqlite3")
    try:
        await db.migrate()
        older_bot = bundled_migrations()[:-1]
        with pytest.raises(RuntimeError, match="newer"):
            await db.migrate(older_bot)
    finally:
        await db.close()


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "bot.sqlite3")
    await db.migrate()
    try:
        with pytest.raises(ValueError):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO members (guild_id, user_id, updated_at) VALUES (?, ?, ?)", (1, 1, NOW.isoformat())
                )
                raise ValueError("half-way")
        async with db.read() as conn:
            assert await conn.fetchval("SELECT count(*) FROM members") == 0
    finally:
        await db.close()


async def test_meeting_repository_next_meeting(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "bot.sqlite3")
    await db.migrate()
    tz = ZoneInfo("Europe/Copenhagen")
    try:
        assert await meetings.next_meeting(db, 1, NOW) is None
        for days in (40, 5, -3):
            await meetings.create_meeting(
                db,
                meetings.NewMeeting(
                    guild_id=1,
                    starts_at=NOW + timedelta(days=days),
                    timezone=tz,
                    format=MeetingFormat.GROWTH,
                    venue="Møn Bibliotek",
                    created_by=9,
                ),
                NOW,
            )
        found = await meetings.next_meeting(db, 1, NOW)
        assert found is not None and found.starts_at == NOW + timedelta(days=5)
        assert found.timezone == tz and found.format is MeetingFormat.GROWTH
        assert await meetings.next_meeting(db, 2, NOW) is None
    finally:
        await db.close()


async def test_next_meeting_and_answers_are_read_together(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "bot.sqlite3")
    await db.migrate()
    try:
        assert await meetings.next_meeting_and_answers(db, 1, NOW) is None
        meeting = await meetings.create_meeting(
            db,
            meetings.NewMeeting(
                guild_id=1,
                starts_at=NOW + timedelta(days=5),
                timezone=ZoneInfo("Europe/Copenhagen"),
                format=MeetingFormat.GROWTH,
                venue="Møn Bibliotek",
                created_by=9,
            ),
            NOW,
        )
        assert await meetings.next_meeting_and_answers(db, 1, NOW) == (meeting, {})
        await rsvps.reaction_added(db, meeting.id, 7, "✅", NOW)
        await rsvps.reaction_added(db, meeting.id, 8, "❌", NOW)
        assert await meetings.next_meeting_and_answers(db, 1, NOW) == (
            meeting,
            {7: RsvpState.GOING, 8: RsvpState.NOT_GOING},
        )
        assert await meetings.next_meeting_and_answers(db, 2, NOW) is None
        assert await meetings.next_meeting_and_answers(db, 1, NOW + timedelta(days=6)) is None
    finally:
        await db.close()


async def test_commits_count_committed_write_transactions_only(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "bot.sqlite3")
    await db.migrate()
    try:
        before = db.commits
        await members.remember_language(db, 1, 2, "da", NOW)
        with pytest.raises(ValueError, match="half-way"):
            async with db.transaction():
                raise ValueError("half-way")
        async with db.read() as conn:
            await conn.fetchval("SELECT count(*) FROM members")
        assert db.commits == before + 1
    finally:
        await db.close()


async def test_command_sync_hash_is_kept_per_application_and_guild(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "bot.sqlite3")
    await db.migrate()
    try:
        assert await command_sync.synced_tree_hash(db, 1, 2) is None
        await command_sync.record_tree_sync(db, 1, 2, "abc", NOW)
        await command_sync.record_tree_sync(db, 1, 2, "def", NOW)
        assert await command_sync.synced_tree_hash(db, 1, 2) == "def"
        assert await command_sync.synced_tree_hash(db, 1, 3) is None
    finally:
        await db.close()


async def test_backup_while_writing_opens_cleanly(tmp_path: Path) -> None:
    source = tmp_path / "live.sqlite3"
    db = await open_db(source)
    await db.migrate()
    stop = asyncio.Event()
    written = 0

    async def writer() -> None:
        nonlocal written
        while not stop.is_set():
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO members (guild_id, user_id, updated_at) VALUES (?, ?, ?)",
                    (1, written, NOW.isoformat()),
                )
            written += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    try:
        while written < 200:
            await asyncio.sleep(0.01)
        copies = []
        for index in range(3):
            target = tmp_path / f"copy{index}.sqlite3"
            version = await asyncio.to_thread(backup, source, target)
            assert version == latest_version()
            copies.append(target)
    finally:
        stop.set()
        await task
        await db.close()
    for target in copies:
        with closing(sqlite3.connect(target)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            count = conn.execute("SELECT count(*) FROM members").fetchone()[0]
            assert 200 <= count <= written
    assert not list(tmp_path.glob(".*.partial"))
