"""The member-language service writes a member's language only when it changed, against a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services.languages import MemberLanguages
from db import members
from db.database import Connection, Database

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
GUILD, MEMBER = 1, 2


class CountingDatabase(Database):
    """Counts write transactions and reads, so a test can tell a skipped write from a no-op one."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.writes = 0
        self.reads = 0

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        self.writes += 1
        return super().transaction()

    def read(self) -> AbstractAsyncContextManager[Connection]:
        self.reads += 1
        return super().read()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[CountingDatabase]:
    database = CountingDatabase(tmp_path / "bot.sqlite3")
    await database.open()
    await database.migrate()
    database.writes = database.reads = 0
    try:
        yield database
    finally:
        await database.close()


def clock() -> Callable[[], datetime]:
    return lambda: NOW


async def test_the_first_language_is_stored(db: CountingDatabase) -> None:
    languages = MemberLanguages(db, clock())
    assert await languages.remember(GUILD, MEMBER, "da") is True
    assert await members.member_language(db, GUILD, MEMBER) == "da"


async def test_an_unchanged_language_costs_no_write_and_no_read(db: CountingDatabase) -> None:
    languages = MemberLanguages(db, clock())
    await languages.remember(GUILD, MEMBER, "da")
    writes, reads = db.writes, db.reads
    for _ in range(3):
        assert await languages.remember(GUILD, MEMBER, "da") is False
    assert (db.writes, db.reads) == (writes, reads)


async def test_a_changed_language_is_stored_and_used_for_later_dms(db: CountingDatabase) -> None:
    languages = MemberLanguages(db, clock())
    await languages.remember(GUILD, MEMBER, "da")
    writes = db.writes
    assert await languages.remember(GUILD, MEMBER, "en") is True
    assert db.writes == writes + 1
    assert await members.languages(db, GUILD, [MEMBER]) == {MEMBER: "en"}


async def test_after_a_restart_the_stored_language_is_read_once_not_written(db: CountingDatabase) -> None:
    await MemberLanguages(db, clock()).remember(GUILD, MEMBER, "en")
    restarted = MemberLanguages(db, clock())
    writes, reads = db.writes, db.reads
    assert await restarted.remember(GUILD, MEMBER, "en") is False
    assert await restarted.remember(GUILD, MEMBER, "en") is False
    assert (db.writes, db.reads) == (writes, reads + 1)


async def test_forget_makes_the_next_command_store_the_language_again(db: CountingDatabase) -> None:
    languages = MemberLanguages(db, clock())
    await languages.remember(GUILD, MEMBER, "da")
    async with db.transaction() as conn:  # what an erasure of the member's data would do
        await conn.execute("DELETE FROM members WHERE user_id = ?", (MEMBER,))
    languages.forget(MEMBER)
    assert await languages.remember(GUILD, MEMBER, "da") is True
    assert await members.member_language(db, GUILD, MEMBER) == "da"


async def test_members_are_kept_apart(db: CountingDatabase) -> None:
    languages = MemberLanguages(db, clock())
    await languages.remember(GUILD, MEMBER, "da")
    assert await languages.remember(GUILD, MEMBER + 1, "da") is True
    languages.forget(MEMBER + 1)
    writes = db.writes
    assert await languages.remember(GUILD, MEMBER, "da") is False
    assert db.writes == writes
