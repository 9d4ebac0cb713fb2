"""Backup files and their settings: names sort by time, rotation keeps exactly the newest, the grid of due moments,
the [backup] section, and a copy that fails leaves nothing behind."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.backups import backup_files, backup_name, describe_last_backup, next_due, rotate
from bot.config import ConfigError, parse_config
from db.database import backup

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
DISCORD = {"guild_id": 1, "announcements_channel_id": 2, "organisers_channel_id": 3, "organiser_role_id": 4}


def live_database(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1); PRAGMA user_version = 3;"
        )
    return path


def test_names_are_utc_and_sort_by_time() -> None:
    copenhagen = datetime(2026, 7, 1, 2, 30, 5, tzinfo=UTC).astimezone(ZoneInfo("Europe/Copenhagen"))
    assert backup_name(copenhagen) == "mikrovirk-20260701-023005.sqlite3"
    moments = [T0 + timedelta(hours=hours) for hours in (30, 1, 250, 9)]
    assert sorted(map(backup_name, moments)) == [backup_name(moment) for moment in sorted(moments)]


@pytest.mark.parametrize("keep", [1, 3, 14])
def test_rotation_keeps_exactly_the_newest_and_nothing_else_is_touched(tmp_path: Path, keep: int) -> None:
    taken = [T0 + timedelta(days=day) for day in range(6)]
    for moment in reversed(taken):  # made in any order: the name says when
        (tmp_path / backup_name(moment)).write_text(moment.isoformat())
    others = [
        "notes.txt",
        "mikrovirk.sqlite3",
        ".mikrovirk-20261127-090000.sqlite3.partial",
        "mikrovirk-2026-x.sqlite3",
    ]
    for other in others:
        (tmp_path / other).write_text("mine")
    (tmp_path / "mikrovirk-20261101-000000.sqlite3").mkdir()  # a folder named like a backup is not one
    removed = rotate(tmp_path, keep)
    kept = [backup.path.name for backup in backup_files(tmp_path)]
    assert kept == [backup_name(moment) for moment in taken[-keep:]]
    assert sorted(path.name for path in removed) == sorted(backup_name(moment) for moment in taken[:-keep])
    assert all((tmp_path / other).read_text() == "mine" for other in others)
    assert rotate(tmp_path, keep) == []


def test_listing_a_folder_that_does_not_exist_yet(tmp_path: Path) -> None:
    assert backup_files(tmp_path / "backups") == []
    assert rotate(tmp_path / "backups", 3) == []
    assert describe_last_backup(tmp_path / "backups", T0) == f"Last backup: none yet in {tmp_path / 'backups'}."


def test_the_last_backup_is_described_with_its_age_and_size(tmp_path: Path) -> None:
    (tmp_path / backup_name(T0 - timedelta(days=3))).write_bytes(b"x" * 10)
    (tmp_path / backup_name(T0)).write_bytes(b"x" * 2_500_000)
    assert describe_last_backup(tmp_path, T0 + timedelta(minutes=5)) == (
        f"Last backup: {backup_name(T0)} in {tmp_path} (5 min old, 2.5 MB)."
    )
    assert "(3 h old" in describe_last_backup(tmp_path, T0 + timedelta(hours=3))
    assert "(4 days old" in describe_last_backup(tmp_path, T0 + timedelta(days=4, hours=1))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (T0, T0 + timedelta(days=1)),  # on time: one period on
        (T0 + timedelta(minutes=15), T0 + timedelta(days=1)),  # a retry does not move the next one
        (T0 + timedelta(days=5, hours=3), T0 + timedelta(days=6)),  # after a long stop: the next on the grid
        (T0 + timedelta(days=2), T0 + timedelta(days=3)),  # exactly on a grid moment: that one is now, not next
        (T0 - timedelta(hours=1), T0 + timedelta(days=1)),
    ],
)
def test_the_next_backup_is_the_first_moment_on_the_grid_after_now(now: datetime, expected: datetime) -> None:
    assert next_due(T0, timedelta(days=1), now) == expected


def config(section: dict[str, Any] | None, base: Path) -> Any:
    data: dict[str, Any] = {"discord": DISCORD}
    if section is not None:
        data["backup"] = section
    return parse_config(data, base / "config.toml").backup


def test_backup_settings_default_and_resolve_against_the_config_folder(tmp_path: Path) -> None:
    default = config(None, tmp_path)
    assert (default.every, default.keep, default.dir) == (timedelta(days=1), 14, tmp_path / "backups")
    chosen = config({"every": "6h", "keep": 3, "dir": "/var/lib/mikrovirk-bot/backups"}, tmp_path)
    assert (chosen.every, chosen.keep, chosen.dir) == (timedelta(hours=6), 3, Path("/var/lib/mikrovirk-bot/backups"))
    assert config({"dir": "kopier"}, tmp_path).dir == tmp_path / "kopier"


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"every": "5m"}, "backup.every"),  # shorter than the retries of a failed backup
        ({"every": "daily"}, "backup.every"),
        ({"every": 1}, "backup.every"),
        ({"keep": 0}, "backup.keep"),
        ({"keep": "14"}, "backup.keep"),
        ({"dir": ""}, "backup.dir"),
        ({"path": "backups"}, "backup.path"),
    ],
)
def test_bad_backup_settings_name_the_key(tmp_path: Path, section: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as error:
        config(section, tmp_path)
    assert error.value.key == key


def test_a_copy_that_fails_halfway_leaves_nothing(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"\x00not a database" * 1000)
    folder = tmp_path / "backups"
    with pytest.raises(sqlite3.DatabaseError):
        backup(garbage, folder / backup_name(T0))
    assert list(folder.iterdir()) == []


def test_a_copy_that_cannot_be_put_in_place_leaves_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    (folder / backup_name(T0)).mkdir(parents=True)  # the name is taken by a folder: the final rename fails
    with pytest.raises(OSError):
        backup(live_database(tmp_path / "live.sqlite3"), folder / backup_name(T0))
    assert [path.name for path in folder.iterdir()] == [backup_name(T0)]


def test_a_copy_of_a_live_database_includes_what_is_still_in_its_log(tmp_path: Path) -> None:
    live = live_database(tmp_path / "live.sqlite3")
    target = tmp_path / "backups" / backup_name(T0)
    with closing(sqlite3.connect(live)) as running:  # a bot that is running: its last writes are in the WAL
        running.execute("INSERT INTO t VALUES (2)")
        running.commit()
        assert Path(f"{live}-wal").stat().st_size > 0
        assert backup(live, target) == 3
    with closing(sqlite3.connect(target)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,)]
