"""``python -m bot restore``: only while the bot is stopped, only a whole backup of a schema this bot knows; the
replaced database is kept aside, and a refusal is one paragraph, exit code 2, with nothing changed."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from bot.__main__ import main
from db.database import latest_version
from db.lock import DatabaseLock
from tests.unit.test_cli import VALID as CONFIG


def make_database(path: Path, rows: list[str], version: int = 1) -> Path:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.executemany("INSERT INTO notes VALUES (?)", [(row,) for row in rows])
        conn.execute(f"PRAGMA user_version = {version}")
        conn.commit()
    return path


def notes(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("SELECT text FROM notes ORDER BY rowid")]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    return path


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """The bot's database as a crashed bot leaves it: its last write only in the write-ahead log beside it."""
    building = tmp_path / "building.sqlite3"
    make_database(building, ["live 1"])
    database = tmp_path / "state" / "bot.sqlite3"
    database.parent.mkdir()
    with closing(sqlite3.connect(building)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("INSERT INTO notes VALUES ('live 2, in the log')")
        conn.commit()
        shutil.copy(building, database)
        shutil.copy(f"{building}-wal", f"{database}-wal")
    return database


def restore(config: Path, backup: Path) -> int:
    return main(["restore", "--config", str(config), str(backup)])


def folder_state(folder: Path) -> dict[str, bytes]:
    """Every file in the folder and its bytes (the lock file is the OS's, not the database's)."""
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if not path.name.endswith(".lock")}


def test_restore_puts_the_backup_in_place_and_keeps_the_replaced_database_aside(
    config: Path, live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = make_database(tmp_path / "mikrovirk-20261127-090000.sqlite3", ["from the backup"])
    assert restore(config, backup) == 0
    said = capsys.readouterr().out
    assert notes(live) == ["from the backup"]
    [aside] = live.parent.glob("bot.sqlite3.replaced-*")
    assert f"kept as {aside}" in said and "schema version 1" in said
    # The kept database is whole on its own: its log was folded in, and no log of it is left beside the new one.
    assert notes(aside) == ["live 1", "live 2, in the log"]
    assert sorted(path.name for path in live.parent.iterdir()) == sorted(
        ["bot.sqlite3", "bot.sqlite3.lock", aside.name]
    )
    assert notes(backup) == ["from the backup"]  # the backup itself stays as it was


def test_restore_on_a_machine_without_a_database(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = make_database(tmp_path / "backup.sqlite3", ["from the backup"])
    assert restore(config, backup) == 0
    assert "no database to replace" in capsys.readouterr().out
    assert notes(tmp_path / "state" / "bot.sqlite3") == ["from the backup"]


def test_restore_is_refused_while_a_bot_holds_the_database(
    config: Path, live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = make_database(tmp_path / "backup.sqlite3", ["from the backup"])
    running = DatabaseLock(live)
    running.acquire()
    try:
        before = folder_state(live.parent)
        assert restore(config, backup) == 2
        assert folder_state(live.parent) == before
    finally:
        running.release()
    problem = capsys.readouterr().err
    assert "while the bot runs" in problem and "Stop it first" in problem and problem.count("\n") == 1
    assert "Traceback" not in problem


def not_sqlite(path: Path) -> Path:
    path.write_bytes(b"PK\x03\x04 a zip file, perhaps" * 200)
    return path


def malformed(path: Path) -> Path:
    make_database(path, [f"note {n} " * 40 for n in range(400)])
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 200] = b"\xff" * 200  # a page of the table overwritten
    path.write_bytes(bytes(data))
    return path


def damaged(path: Path) -> Path:
    """Readable, but an index no longer matches its table: only the integrity check sees it."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.execute("CREATE INDEX notes_by_text ON notes (text)")
        conn.executemany("INSERT INTO notes VALUES (?)", [(f"note {n:05d}",) for n in range(2000)])
        conn.execute("PRAGMA user_version = 1")
        conn.commit()
    data = path.read_bytes()
    second = data.index(b"note 01000", data.index(b"note 01000") + 1)  # the one in the other structure
    path.write_bytes(data[:second] + b"note 0100X" + data[second + 10 :])
    return path


def newer(path: Path) -> Path:
    return make_database(path, ["from a newer bot"], version=latest_version() + 1)


def unversioned(path: Path) -> Path:
    return make_database(path, ["some other program's database"], version=0)


def missing(path: Path) -> Path:
    return path


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (not_sqlite, "not an SQLite database (file is not a database)"),
        (malformed, "damaged"),
        (damaged, "failed its integrity check (row 1001 missing from index"),
        (newer, f"newer than this bot ({latest_version()})"),
        (unversioned, "not a MikroVirk database"),
        (missing, "there is no file"),
    ],
    ids=["not-sqlite", "malformed", "damaged", "newer-schema", "no-schema", "missing"],
)
def test_a_backup_that_is_not_whole_or_too_new_is_refused_and_nothing_changes(
    config: Path,
    live: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path], Path],
    why: str,
) -> None:
    before = folder_state(live.parent)
    backup = make(tmp_path / "backup.sqlite3")
    assert restore(config, backup) == 2
    problem = capsys.readouterr().err
    assert problem.startswith("Cannot restore:") and why in problem and problem.count("\n") == 1, problem
    assert folder_state(live.parent) == before
    assert notes(live) == ["live 1", "live 2, in the log"]
