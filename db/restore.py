"""Put a backup in the database's place: checked first, the replaced database kept aside, swapped in atomically.

Only while no bot runs on the database: the caller holds its :class:`db.lock.DatabaseLock` throughout. At every
moment the database's path holds a whole database, the old one or the restored one, never a part of either.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from db.database import PRIVATE_FILE, create_private, latest_version, private_folder, side_files


class RestoreRefusedError(Exception):
    """The backup can't be restored, and nothing was changed; ``problem`` and ``fix`` are for a person."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


@dataclass(frozen=True, slots=True)
class Restored:
    schema_version: int
    replaced: Path | None  # where the database it replaced is kept, None if there was none


def restore(backup_file: Path, database: Path, now: datetime) -> Restored:
    """Replace ``database`` with a copy of ``backup_file`` once that copy passed its checks (else refuse)."""
    if not backup_file.is_file():
        raise RestoreRefusedError(f"there is no file {str(backup_file)!r}.", "Give the path of a backup file.")
    private_folder(database.parent)
    # The copy is what is checked, so what goes into place is exactly what passed.
    staged = database.with_name(f".{database.name}.restoring")
    try:
        _copy_durably(backup_file, staged)
        version = _checked_version(staged, backup_file)
        replaced = _keep_aside(database, now) if database.exists() else None
        staged.replace(database)
    finally:
        for leftover in (staged, *side_files(staged)):
            leftover.unlink(missing_ok=True)
    _sync_folder(database.parent)
    return Restored(version, replaced)


def _copy_durably(source: Path, target: Path) -> None:
    # A copy left by a crash goes first: a file is made owner-only only when it is created.
    target.unlink(missing_ok=True)
    create_private(target)
    with source.open("rb") as reading, target.open("wb") as writing:
        shutil.copyfileobj(reading, writing)
        writing.flush()
        os.fsync(writing.fileno())


def _checked_version(staged: Path, backup_file: Path) -> int:
    name = repr(str(backup_file))
    try:
        with closing(sqlite3.connect(staged)) as conn:
            check = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as error:
        raise RestoreRefusedError(
            f"{name} is damaged or not an SQLite database ({error}).",
            "Give another backup the bot wrote (mikrovirk-….sqlite3).",
        ) from None
    if check != "ok":
        raise RestoreRefusedError(f"{name} failed its integrity check ({check}).", "Give another backup.")
    latest = latest_version()
    if version > latest:
        raise RestoreRefusedError(
            f"{name} is at schema version {version}, newer than this bot ({latest}).",
            "Upgrade the bot first, then restore.",
        )
    if version < 1:
        raise RestoreRefusedError(
            f"{name} is not a MikroVirk database (it has no schema version).",
            "Give a backup the bot wrote (mikrovirk-….sqlite3).",
        )
    return version


def _keep_aside(database: Path, now: datetime) -> Path:
    """Give the current database a second name, ``<name>.replaced-YYYYMMDD-HHMMSS``, with its log files."""
    aside = database.with_name(f"{database.name}.replaced-{now.astimezone(UTC):%Y%m%d-%H%M%S}")
    # Fold the write-ahead log into the file, so the kept file is whole on its own. A database too damaged for that
    # (perhaps why it is being replaced) is kept as it is, its log files moved along below.
    with contextlib.suppress(sqlite3.DatabaseError), closing(sqlite3.connect(database)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    try:
        # A second name rather than a rename: the database's path is never empty, even if this process dies here.
        os.link(database, aside)
    except OSError as error:
        raise RestoreRefusedError(
            f"the current database could not be kept aside as {str(aside)!r} ({error.strerror}).",
            "Make room or move that file away, then try again.",
        ) from None
    # A log left beside the path would be read as the restored database's own: it goes with the file it belongs to.
    for log_file, aside_log in zip(side_files(database), side_files(aside), strict=True):
        if log_file.exists():
            log_file.replace(aside_log)
    # A database from before the bot made its files owner-only is kept aside for its owner alone all the same.
    for kept in (aside, *side_files(aside)):
        if kept.exists():
            kept.chmod(PRIVATE_FILE)
    return aside


def _sync_folder(folder: Path) -> None:
    """Make the renames durable: they live in the folder's entries."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
