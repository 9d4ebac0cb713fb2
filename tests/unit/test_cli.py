"""``python -m bot``: every expected problem is one paragraph and exit code 2, never a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VALID = """
[discord]
guild_id = 10
announcements_channel_id = 11
organisers_channel_id = 12
organiser_role_id = 13

[database]
path = "state/bot.sqlite3"
"""


def run(*args: str, token: str | None = "MTA.fake.token", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "DISCORD_TOKEN"}
    if token is not None:
        env["DISCORD_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60, check=False
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(VALID)
    return path


def assert_clean_error(result: subprocess.CompletedProcess[str], key: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"'{key}'" in result.stderr
    assert result.stderr.strip().count("\n") == 0, "the error is one paragraph"


def test_missing_token_names_the_variable(config: Path) -> None:
    assert_clean_error(run("--config", str(config), token=None), "DISCORD_TOKEN")


def test_example_config_fails_on_the_first_id() -> None:
    assert_clean_error(run("--config", str(ROOT / "config.example.toml")), "discord.guild_id")


def test_bad_key_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(VALID.replace("organisers_channel_id = 12", 'organisers_channel_id = "twelve"'))
    assert_clean_error(run("--config", str(path)), "discord.organisers_channel_id")
    assert_clean_error(run("check", "--config", str(path)), "discord.organisers_channel_id")


def test_missing_config_file(tmp_path: Path) -> None:
    assert_clean_error(run("--config", str(tmp_path / "absent.toml")), "--config")


def test_check_reports_what_it_would_do_without_touching_the_database(config: Path) -> None:
    result = run("check", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "would apply migrations: 0001_initial.sql" in result.stdout
    assert "cogs.meetings" in result.stdout
    assert "MTA.fake.token" not in result.stdout + result.stderr
    assert not (config.parent / "state").exists()


def test_backup_of_a_migrated_database(config: Path, tmp_path: Path) -> None:
    assert_clean_error(run("backup", "--config", str(config), str(tmp_path / "out.sqlite3")), "database.path")
    live = config.parent / "state" / "bot.sqlite3"
    live.parent.mkdir()
    with closing(sqlite3.connect(live)) as conn:
        conn.executescript("CREATE TABLE t (x); INSERT INTO t VALUES (1); PRAGMA user_version = 1;")
    result = run("backup", "--config", str(config), str(tmp_path / "out.sqlite3"))
    assert result.returncode == 0, result.stderr
    with closing(sqlite3.connect(tmp_path / "out.sqlite3")) as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]
    check = run("check", "--config", str(config))
    assert "schema version 1, integrity ok" in check.stdout
