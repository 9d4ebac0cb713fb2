"""SQL for the bot's health: its heartbeat, and what `python -m bot status` reports (read-only, no Discord)."""

from __future__ import annotations

import sqlite3
import stat
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.backups import backup_files
from db.codec import instant_to_db, optional_instant_from_db
from db.database import PRIVATE_FILE, PRIVATE_FOLDER, Database, side_files
from db.lock import lock_path


async def beat(db: Database, pid: int, started_at: datetime, now: datetime) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO heartbeat (id, pid, started_at, beat_at) VALUES (1, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, started_at = excluded.started_at,"
            " beat_at = excluded.beat_at",
            (pid, instant_to_db(started_at), instant_to_db(now)),
        )


@dataclass(frozen=True, slots=True)
class Health:
    schema_version: int
    integrity: str
    last_beat: datetime | None
    beat_pid: int | None
    next_rounds: list[tuple[str, str, datetime]]  # kind, subject, when it wakes
    coming_meetings: int
    meetings: int
    members: int


def read_health(path: Path, now: datetime) -> Health:
    """A read-only look at the database file, safe while the bot runs (WAL readers never block the writer)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        integrity = str(conn.execute("PRAGMA quick_check").fetchone()[0])
        beat_row = conn.execute("SELECT pid, beat_at FROM heartbeat WHERE id = 1").fetchone()
        rounds = conn.execute(
            "SELECT kind, subject, max(due_at, coalesce(retry_at, due_at)) FROM rounds"
            " WHERE state IN ('pending', 'sending') ORDER BY 3 LIMIT 5"
        ).fetchall()
        stamp = instant_to_db(now)
        coming = conn.execute(
            "SELECT count(*) FROM meetings WHERE status = 'planned' AND starts_at > ?", (stamp,)
        ).fetchone()[0]
        meetings = conn.execute("SELECT count(*) FROM meetings").fetchone()[0]
        members = conn.execute("SELECT count(*) FROM members").fetchone()[0]
    return Health(
        schema_version=version,
        integrity=integrity,
        last_beat=optional_instant_from_db(beat_row[1]) if beat_row else None,
        beat_pid=beat_row[0] if beat_row else None,
        next_rounds=[(kind, subject, optional_instant_from_db(due) or now) for kind, subject, due in rounds],
        coming_meetings=int(coming),
        meetings=int(meetings),
        members=int(members),
    )


@dataclass(frozen=True, slots=True)
class ExposedFile:
    """A data file or folder other users on the host may read or change, and the mode it should have."""

    path: Path
    mode: int
    wanted: int


def exposed_files(database: Path, backups: Path) -> list[ExposedFile]:
    """The bot's data (the database, its log files and lock, copies kept by ``restore``, the backups' folder and the
    files in it) that grants anything to the group or to others."""
    candidates = [database, lock_path(database)]
    candidates += side_files(database)
    candidates += sorted(database.parent.glob(f"{database.name}.replaced-*"))
    if backups.is_dir():
        # Only the bot's own backups: the folder may be shared, and other files in it are not the bot's to judge.
        candidates += [backups, *(backup.path for backup in backup_files(backups))]
    exposed: list[ExposedFile] = []
    for path in dict.fromkeys(candidates):
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            exposed.append(ExposedFile(path, mode, PRIVATE_FOLDER if path.is_dir() else PRIVATE_FILE))
    return exposed
