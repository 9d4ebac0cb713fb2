"""``python -m bot``: every expected problem is one paragraph and exit code 2, never a traceback."""

from __future__ import annotations

import os
import socket
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


def test_setup_needs_no_config_to_show_its_help(tmp_path: Path) -> None:
    result = run("setup", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--organiser-role NAME_OR_ID" in result.stdout and "--yes" in result.stdout


def test_setup_without_network_is_one_paragraph(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on: bound, then closed
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/api/v10"
    # discord.py's REST base has no environment override: point it at the closed port, then run the real CLI.
    cli = (
        "import sys, discord.http; discord.http.Route.BASE = sys.argv[1]; "
        "from bot.__main__ import main; sys.exit(main(sys.argv[2:]))"
    )
    flags = ["--server", "MikroVirk", "--announcements", "a", "--organisers", "o", "--organiser-role", "r", "--yes"]
    config = tmp_path / "config.toml"  # does not exist: setup creates it, so it must not need it
    env = {**os.environ, "DISCORD_TOKEN": "MTA.fake.token"}
    result = subprocess.run(
        [sys.executable, "-c", cli, closed, "setup", "--config", str(config), *flags],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, "the error is one paragraph"
    assert "Could not reach Discord" in result.stderr
    assert not config.exists()
