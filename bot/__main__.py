"""Command line: ``python -m bot [run|check|backup|status|restore|setup] --config PATH``.

Every expected problem (config, token, database, Discord refusing the login) is printed as one paragraph and
exits with code 2; nothing a person can fix ends in a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sqlite3
import sys
from collections.abc import Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import discord

from bot.backups import describe_last_backup
from bot.client import HEARTBEAT_INTERVAL, MikroVirkBot, discover_extensions
from bot.clock import system_clock
from bot.config import TOKEN_ENV, Config, ConfigError, load_config, load_token
from bot.durations import format_offset
from bot.logs import configure_logging
from bot.setup_wizard import add_setup_arguments, setup_command
from db.database import backup, bundled_migrations
from db.health import exposed_files, read_health
from db.lock import DatabaseInUseError, DatabaseLock
from db.restore import RestoreRefusedError, restore
from db.settings import read_stored_settings

log = logging.getLogger("bot")

EXIT_OK = 0
EXIT_UNHEALTHY = 1
EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="path to the TOML config file")
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="MikroVirk Discord bot. Without a command it runs the bot (token from $DISCORD_TOKEN).",
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", metavar="{run,check,backup,status,restore,setup}")
    commands.add_parser("run", parents=[common], help="connect to Discord and serve the network (the default)")
    commands.add_parser("check", parents=[common], help="validate config, token and database without connecting")
    backup_parser = commands.add_parser("backup", parents=[common], help="copy the live database consistently")
    backup_parser.add_argument("out", type=Path, help="where to write the copy")
    commands.add_parser(
        "status", parents=[common], help="is the bot running and healthy? exit 0 if so, 1 if not (no Discord needed)"
    )
    restore_parser = commands.add_parser(
        "restore", parents=[common], help="put a backup in the database's place (the bot must be stopped)"
    )
    restore_parser.add_argument("file", type=Path, help="the backup to restore")
    add_setup_arguments(
        commands.add_parser(
            "setup", parents=[common], help="write the config: pick the server, channels and role by name (no ids)"
        )
    )
    return parser


def _database_state(config: Config) -> tuple[int | None, str]:
    """The schema version of the configured database (``None`` if the file does not exist yet)."""
    path = config.database.path
    if not path.exists():
        return None, "missing"
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            quick = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise ConfigError(
            "database.path",
            f"{str(path)!r} is not a readable SQLite database ({error}).",
            "Point it at the bot's file.",
        ) from None
    return version, quick


def _discord_overrides(config: Config, version: int | None) -> list[str]:
    """Settings organisers changed with /settings: they apply over the file's values."""
    stored = {} if version is None else read_stored_settings(config.database.path, config.discord.guild_id)
    if not stored:
        return []
    return ["  changed in Discord with /settings (these apply, not the file's):"] + [
        f"    {key} = {value!r}" for key, value in stored.items()
    ]


def run_check(config: Config) -> int:
    load_token()
    migrations = bundled_migrations()
    version, health = _database_state(config)
    latest = migrations[-1].version
    if version is not None and version > latest:
        raise ConfigError(
            "database.path",
            f"the database is at schema version {version}, newer than this bot ({latest}).",
            "Upgrade the bot, or restore a backup made by this version.",
        )
    if health not in ("ok", "missing"):
        raise ConfigError("database.path", f"the database failed its quick check: {health}.", "Restore a backup.")
    pending = [migration.name for migration in migrations if migration.version > (version or 0)]
    ids, network = config.discord, config.network
    offsets = ", ".join(format_offset(offset) for offset in config.reminders.offsets)
    lines = [
        f"Configuration OK: {config.source}",
        f"  server {ids.guild_id}; announcements channel {ids.announcements_channel_id}; "
        f"organisers' channel {ids.organisers_channel_id}; organiser role {ids.organiser_role_id}",
        f"  network {network.name!r}, time zone {network.timezone.key}, public posts in {network.language!r}, "
        f"default venue {network.default_venue!r} at {network.default_start:%H:%M}",
        f"  reminders {offsets} before each meeting",
        f"Token: {TOKEN_ENV} is set (not shown).",
        f"Database: {config.database.path} "
        + ("(will be created)" if version is None else f"(schema version {version}, integrity ok)"),
        "  would apply migrations: " + (", ".join(pending) if pending else "none, it is up to date"),
        *_discord_overrides(config, version),
        "Extensions: " + ", ".join(discover_extensions()),
        f"Would connect to Discord, check the server's channels and role, and sync slash commands to server "
        f"{ids.guild_id} only if they changed since the last sync.",
    ]
    print("\n".join(lines))
    return EXIT_OK


def run_backup(config: Config, out: Path) -> int:
    if not config.database.path.exists():
        raise ConfigError(
            "database.path",
            f"there is no database at {str(config.database.path)!r} to back up.",
            "Check the path.",
        )
    version = backup(config.database.path, out)
    print(f"Backup written to {out} (schema version {version}, integrity ok).")
    return EXIT_OK


def run_restore(config: Config, file: Path, now: datetime) -> int:
    """Replace the database with a backup while no bot runs on it; a refusal is one paragraph and exit 2."""
    path = config.database.path
    lock = DatabaseLock(path)  # held throughout, so no bot can start on a database being replaced
    try:
        lock.acquire()
    except DatabaseInUseError as error:
        holder = f"process {error.pid}" if error.pid else "another process"
        print(
            f"Cannot restore while the bot runs: {holder} holds {path}. Stop it first (systemctl stop mikrovirk-bot), "
            "restore, then start it again. Nothing was changed.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    try:
        restored = restore(file, path, now)
    except RestoreRefusedError as refusal:
        print(f"Cannot restore: {refusal.problem} {refusal.fix} Nothing was changed.", file=sys.stderr)
        return EXIT_CONFIG
    finally:
        lock.release()
    print(f"Restored {file} (schema version {restored.schema_version}, integrity ok) to {path}.")
    if restored.replaced is None:
        print("There was no database to replace.")
    else:
        print(f"The database it replaced is kept as {restored.replaced}.")
    print("Start the bot again; it brings an older schema up to date when it starts.")
    return EXIT_OK


def run_status(config: Config, now: datetime) -> int:
    """Whether the bot on this database is running and healthy, for a person or a monitor (exit 0 or 1)."""
    path = config.database.path
    if not path.exists():
        print(f"Not running: there is no database at {path} yet.")
        return EXIT_UNHEALTHY
    probe = DatabaseLock(path)
    try:
        probe.acquire()
    except DatabaseInUseError:
        running = True
    else:
        running = False  # nobody held it; let go at once so a starting bot is never refused
        probe.release()
    state = read_health(path, now)
    silent = None if state.last_beat is None else now - state.last_beat
    alive = running and silent is not None and silent <= HEARTBEAT_INTERVAL * 3
    if alive:
        assert silent is not None
        print(f"Running: process {state.beat_pid}, last heartbeat {silent.total_seconds():.0f} s ago.")
    elif running:
        print(f"Running but silent: process {state.beat_pid} holds the database and has not beaten for {silent}.")
    else:
        print("Not running: no bot holds the database.")
    print(
        f"Database: {path} ({path.stat().st_size / 1_000_000:.1f} MB, schema {state.schema_version}, "
        f"integrity {state.integrity})."
    )
    print(f"Meetings: {state.coming_meetings} coming of {state.meetings}; members known: {state.members}.")
    print(describe_last_backup(config.backup.dir, now))
    for exposed in exposed_files(path, config.backup.dir):
        print(
            f"Warning: {exposed.path} is open to other users (mode {exposed.mode:o}): "
            f"chmod {exposed.wanted:o} {exposed.path}"
        )
    print("Next timed rounds:" if state.next_rounds else "Next timed rounds: none.")
    for kind, subject, due in state.next_rounds:
        print(f"  {due.isoformat(timespec='minutes')}  {kind}{' ' + subject if subject else ''}")
    healthy = alive and state.integrity == "ok"
    return EXIT_OK if healthy else EXIT_UNHEALTHY


async def run_bot(config: Config, token: str, **bot_options: Any) -> int:
    """Run until closed by a signal or a fatal problem; returns the process exit code."""
    bot = MikroVirkBot(config, **bot_options)
    loop = asyncio.get_running_loop()
    closing_tasks: set[asyncio.Task[None]] = set()

    def request_shutdown(signame: str) -> None:
        log.info("shutdown requested", extra={"signal": signame})
        task = loop.create_task(bot.close())
        closing_tasks.add(task)
        task.add_done_callback(closing_tasks.discard)

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, request_shutdown, signum.name)
    try:
        async with bot:
            await bot.start(token)
    except ConfigError as error:
        print(error.paragraph(), file=sys.stderr)
        return EXIT_CONFIG
    except discord.LoginFailure:
        print(
            ConfigError(
                TOKEN_ENV,
                "Discord rejected the token.",
                "Copy a fresh token from the Developer Portal (Bot → Reset Token) into the environment variable.",
            ).paragraph(),
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except discord.PrivilegedIntentsRequired:
        print(
            "Discord refused a privileged gateway intent. Enable it in the Developer Portal (Bot → Privileged "
            "Gateway Intents) as the README describes.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if closing_tasks:
            await asyncio.gather(*closing_tasks)
    if bot.startup_error is not None:
        print(bot.startup_error.paragraph(), file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    config_path: Path = getattr(args, "config", Path("config.toml"))
    command = args.command or "run"
    if command == "setup":  # it writes the config, so it must not need a valid one
        return setup_command(args, config_path)
    try:
        config = load_config(config_path)
        if command == "check":
            return run_check(config)
        if command == "backup":
            return run_backup(config, args.out)
        if command == "status":
            return run_status(config, system_clock())
        if command == "restore":
            return run_restore(config, args.file, system_clock())
        token = load_token()
    except ConfigError as error:
        print(error.paragraph(), file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(secrets=[token])
    # The code loaded by now lives as long as the process. Kept out of the garbage collector's full passes, it no
    # longer stalls replies for the ~20 ms such a pass took (bench/footprint.py: /meeting next p99 ~60 → ~38 ms).
    gc.collect()
    gc.freeze()
    return asyncio.run(run_bot(config, token))


if __name__ == "__main__":
    sys.exit(main())
