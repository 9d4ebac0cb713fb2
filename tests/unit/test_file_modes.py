"""The bot's data is for its own user only, whatever the umask it runs under: the database and the files SQLite keeps
beside it, backups and their folder, a restored database and the lock. `status` names anything loosened since."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from db.database import Database, backup
from db.health import ExposedFile, exposed_files
from db.lock import DatabaseLock
from db.restore import restore

NOW = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    """The usual umask, under which a file is created readable by everyone unless the code says otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


async def make_database(path: Path) -> Path:
    db = Database(path)
    await db.open()
    await db.migrate()
    await db.close()
    return path


async def test_a_new_database_and_its_log_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bot.sqlite3"
    db = Database(path)
    await db.open()
    try:
        await db.migrate()
        assert (path.with_name("bot.sqlite3-wal").exists(), path.with_name("bot.sqlite3-shm").exists()) == (True, True)
        assert {p.name: mode(p) for p in path.parent.iterdir()} == {
            "bot.sqlite3": 0o600,
            "bot.sqlite3-wal": 0o600,
            "bot.sqlite3-shm": 0o600,
        }
        assert mode(path.parent) == 0o700
    finally:
        await db.close()


async def test_a_backup_and_its_new_folder_are_owner_only(tmp_path: Path) -> None:
    source = await make_database(tmp_path / "bot.sqlite3")
    target = tmp_path / "backups" / "mikrovirk-20261208-030000.sqlite3"
    backup(source, target)
    assert (mode(target), mode(target.parent)) == (0o600, 0o700)


async def test_a_restored_database_is_owner_only(tmp_path: Path) -> None:
    made = await make_database(tmp_path / "made.sqlite3")
    copy = tmp_path / "copy.sqlite3"
    backup(made, copy)
    copy.chmod(0o644)  # a backup copied in by hand, readable by everyone
    database = tmp_path / "bot.sqlite3"
    restore(copy, database, NOW)
    assert mode(database) == 0o600
    database.chmod(0o644)  # a database from before the bot made its files owner-only
    replaced = restore(copy, database, NOW.replace(hour=4)).replaced
    assert replaced is not None and (mode(database), mode(replaced)) == (0o600, 0o600)


def test_the_lock_file_is_owner_only(tmp_path: Path) -> None:
    lock = DatabaseLock(tmp_path / "new" / "bot.sqlite3")
    lock.acquire()
    try:
        assert (mode(lock.path), mode(lock.path.parent)) == (0o600, 0o700)
    finally:
        lock.release()


async def test_status_names_each_data_file_open_to_other_users(tmp_path: Path) -> None:
    database = await make_database(tmp_path / "bot.sqlite3")
    backups = tmp_path / "backups"
    backup(database, backups / "mikrovirk-20261208-030000.sqlite3")
    kept = tmp_path / "bot.sqlite3.replaced-20261201-090000"
    kept.write_bytes(b"")
    kept.chmod(0o640)
    assert exposed_files(database, backups) == [ExposedFile(kept, 0o640, 0o600)]
    database.chmod(0o604)
    backups.chmod(0o750)
    assert [(found.path.name, found.mode, found.wanted) for found in exposed_files(database, backups)] == [
        ("bot.sqlite3", 0o604, 0o600),
        ("bot.sqlite3.replaced-20261201-090000", 0o640, 0o600),
        ("backups", 0o750, 0o700),
    ]
