"""Automatic backups end to end: one per period through the round runner, rotated, exactly once across restarts,
a failure told to the organisers once the runner gives up, `status` showing the last one, and `restore`."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

import db.database
from bot.__main__ import run_restore, run_status
from bot.backups import backup_files, backup_name
from bot.client import MikroVirkBot
from bot.rounds import Round, RoundKind, RoundState
from db import rounds
from db.database import backup, latest_version
from tests.e2e.conftest import START, RunningBot, Server, settle_bot

DAY = timedelta(days=1)


def configure_backups(server: Server, **settings: object) -> Path:
    """Add a [backup] section to the server's config; returns the backups' folder."""
    lines = "\n".join(f"{key} = {value!r}".replace("'", '"') for key, value in settings.items())
    server.config_path.write_text(server.config_path.read_text(encoding="utf-8") + f"\n[backup]\n{lines}\n")
    return server.config.backup.dir


async def backup_rows(bot: MikroVirkBot) -> list[Round]:
    async with bot.db.read() as conn:
        ids = [row[0] for row in await conn.fetchall("SELECT id FROM rounds WHERE kind = 'backup' ORDER BY id")]
    found = [await rounds.get(bot.db, round_id) for round_id in ids]
    return [row for row in found if row is not None]


async def pass_time(server: Server, bot: MikroVirkBot, delta: timedelta) -> None:
    server.clock.advance(delta)
    await bot.rounds.run_due()
    await settle_bot(bot)


def integrity(path: Path) -> tuple[str, int]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0], conn.execute("PRAGMA user_version").fetchone()[0]


async def test_one_backup_per_period_rotated_to_keep_each_whole(server: Server, running: RunningBot) -> None:
    folder = configure_backups(server, every="1d", keep=3)
    folder.mkdir()
    others = [folder / "notes.txt", folder / "mikrovirk-latest.sqlite3", folder / "mikrovirk-20261399-000000.sqlite3"]
    for other in others:
        other.write_text("not a backup the bot wrote")
    bot = await running.start()
    await settle_bot(bot)
    [planned] = await backup_rows(bot)
    assert planned.state is RoundState.PENDING and planned.due_at == START + DAY and planned.meeting_id is None
    await pass_time(server, bot, DAY - timedelta(minutes=1))
    assert backup_files(folder) == []  # not before its moment
    await pass_time(server, bot, timedelta(minutes=1))
    for _ in range(4):
        await pass_time(server, bot, DAY)
    kept = backup_files(folder)
    assert [backup.path.name for backup in kept] == [backup_name(START + DAY * n) for n in (3, 4, 5)]
    assert all(integrity(backup.path) == ("ok", latest_version()) for backup in kept)
    assert all(other.read_text() == "not a backup the bot wrote" for other in others)  # rotation touches only backups
    assert not [path.name for path in folder.iterdir() if path.name.startswith(".")]  # no partial copy left
    states = [row.state for row in await backup_rows(bot)]
    assert states == [RoundState.SENT] * 5 + [RoundState.PENDING]


async def test_a_restart_while_overdue_makes_exactly_one_backup(server: Server, running: RunningBot) -> None:
    folder = configure_backups(server, every="1d")
    bot = await running.start()
    await settle_bot(bot)
    await running.stop()
    server.clock.advance(DAY * 5 + timedelta(hours=3))  # five periods missed while the bot was down
    bot = await running.start()
    await settle_bot(bot)
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert [backup.path.name for backup in backup_files(folder)] == [backup_name(server.clock())]
    rows = await backup_rows(bot)
    assert [row.state for row in rows] == [RoundState.SENT, RoundState.PENDING]
    assert rows[1].due_at == START + DAY * 6  # the next one keeps the grid, not "now + 1d"
    bot = await running.restart()
    await settle_bot(bot)
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert len(backup_files(folder)) == 1 and len(await backup_rows(bot)) == 2  # done is done, across restarts


async def test_a_first_start_continues_the_grid_of_the_backups_already_in_the_folder(
    server: Server, running: RunningBot
) -> None:
    folder = configure_backups(server, every="1d")
    folder.mkdir()
    (folder / backup_name(START - DAY * 2 - timedelta(hours=6))).write_text("made by an earlier install")
    bot = await running.start()
    await settle_bot(bot)
    [planned] = await backup_rows(bot)
    assert planned.due_at == START + timedelta(hours=18)  # at 03:00 like the earlier ones, not 09:00 a day from now


async def test_a_failing_backup_is_retried_then_told_to_organisers_once(
    server: Server, running: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = configure_backups(server, every="1d")
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"\x00not a database" * 1000)
    disk = {"broken": True}

    def copy(source: Path, target: Path) -> int:
        # The real copy; while "broken" it fails halfway, when its partial file is already written.
        return backup(garbage if disk["broken"] else source, target)

    # Patched where the backup round imports it from: the bot loads its extensions afresh at every start.
    monkeypatch.setattr(db.database, "backup", copy)
    bot = await running.start()
    await settle_bot(bot)
    [row] = await backup_rows(bot)
    server.clock.now = row.due_at
    for wait in (0, 1, 2, 4, 8):  # the runner's retries: after 1, 2, 4, 8 minutes, then given up
        server.clock.advance(timedelta(minutes=wait))
        await bot.rounds.run(row.id)
        await settle_bot(bot)
        assert not folder.exists() or list(folder.iterdir()) == []  # nothing half-written stays
        if wait < 8:
            assert not server.emu.channel_messages(server.organisers_channel)  # a retry is not news
    failed = await rounds.get(bot.db, row.id)
    assert failed is not None and failed.state is RoundState.FAILED and failed.attempts == 5
    [notice] = [m.content for m in server.emu.channel_messages(server.organisers_channel)]
    assert "opgav efter 5 forsøg" in notice and "sikkerhedskopi af databasen" in notice
    assert "not a database" in notice and "Discord" not in notice
    disk["broken"] = False  # the next period's backup, planned before the failure, is made
    await pass_time(server, bot, DAY)
    assert len(backup_files(folder)) == 1
    assert len(server.emu.channel_messages(server.organisers_channel)) == 1


async def test_status_shows_the_last_backup(
    server: Server, running: RunningBot, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = configure_backups(server, every="12h")
    bot = await running.start()
    await settle_bot(bot)
    capsys.readouterr()
    run_status(server.config, server.clock())
    report = capsys.readouterr().out
    assert "Last backup: none yet" in report
    assert f"backup {(START + timedelta(hours=12)).isoformat()}" in report  # among the next timed rounds
    await pass_time(server, bot, timedelta(hours=12))
    server.clock.advance(timedelta(hours=3))
    run_status(server.config, server.clock())
    report = capsys.readouterr().out
    name = backup_name(START + timedelta(hours=12))
    assert re.search(rf"Last backup: {name} in {folder} \(3 h old, 0\.\d MB\)\.", report), report


async def test_restore_is_refused_while_the_bot_runs_and_works_once_stopped(
    server: Server, running: RunningBot, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = configure_backups(server, every="1d")
    bot = await running.start()
    await settle_bot(bot)
    await pass_time(server, bot, DAY)
    [made] = backup_files(folder)
    await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": "1/12", "format": "2.0"}
    )
    await settle_bot(bot)
    live = server.config.database.path
    before = os.stat(live).st_ino
    assert run_restore(server.config, made.path, server.clock()) == 2
    refusal = capsys.readouterr().err
    assert f"process {os.getpid()}" in refusal and "Stop it first" in refusal and refusal.count("\n") == 1
    assert os.stat(live).st_ino == before and not list(live.parent.glob("*.replaced-*"))
    await running.stop()
    server.clock.advance(timedelta(minutes=10))
    assert run_restore(server.config, made.path, server.clock()) == 0
    said = capsys.readouterr().out
    [aside] = live.parent.glob("bot.sqlite3.replaced-*")
    assert str(aside) in said and "schema version" in said
    with closing(sqlite3.connect(aside)) as conn:
        assert conn.execute("SELECT count(*) FROM meetings").fetchone()[0] == 1  # kept aside, whole on its own
    bot = await running.start()  # the bot runs on the restored database: the meeting made after the backup is gone
    await settle_bot(bot)
    async with bot.db.read() as conn:
        assert await conn.fetchval("SELECT count(*) FROM meetings") == 0
    # The backup was taken while its own row was running: the restored bot finishes that row (one fresh backup).
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert [row.kind for row in await backup_rows(bot)] == [RoundKind.BACKUP] * 2
    assert len(backup_files(folder)) == 2


async def test_data_files_are_owner_only_and_status_warns_about_a_loosened_one(
    server: Server, running: RunningBot, capsys: pytest.CaptureFixture[str]
) -> None:
    """Under the usual umask 022 (group and others may read) the bot still writes its database, its log files, the
    backups and their folder for its own user only; `status` names any data file someone loosened since."""
    folder = configure_backups(server, every="1d")
    previous = os.umask(0o022)
    try:
        bot = await running.start()
        await settle_bot(bot)
        await pass_time(server, bot, DAY)
        database = server.config.database.path
        [made] = backup_files(folder)
        modes = {
            path.name: stat.S_IMODE(path.stat().st_mode)
            for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm"), folder, made.path)
        }
        assert modes == {
            "bot.sqlite3": 0o600,
            "bot.sqlite3-wal": 0o600,
            "bot.sqlite3-shm": 0o600,
            "backups": 0o700,
            made.path.name: 0o600,
        }
        capsys.readouterr()
        healthy = run_status(server.config, server.clock())
        assert "Warning" not in capsys.readouterr().out
        database.chmod(0o644)
        folder.chmod(0o755)
        assert run_status(server.config, server.clock()) == healthy  # a warning, not a failure
        report = capsys.readouterr().out
        assert f"Warning: {database} is open to other users (mode 644): chmod 600 {database}" in report
        assert f"Warning: {folder} is open to other users (mode 755): chmod 700 {folder}" in report
        assert report.count("Warning") == 2
    finally:
        os.umask(previous)
