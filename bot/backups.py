"""Automatic backups as files: names that sort by time, rotation that keeps the newest, and when the next one is due.

No Discord and no SQL here: the copy is :func:`db.database.backup`, the round that makes it is ``cogs.backups``.
Rotation and listing only ever look at files named like a backup, so other files in the folder are safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

_NAME = re.compile(r"^mikrovirk-(\d{8}-\d{6})\.sqlite3$")
_STAMP = "%Y%m%d-%H%M%S"


@dataclass(frozen=True, slots=True)
class BackupFile:
    path: Path
    taken_at: datetime  # from the name, so it survives copying the folder elsewhere
    size: int  # bytes


def backup_name(taken_at: datetime) -> str:
    """``mikrovirk-YYYYMMDD-HHMMSS.sqlite3`` in UTC: sorting the names sorts the backups by time."""
    return f"mikrovirk-{taken_at.astimezone(UTC).strftime(_STAMP)}.sqlite3"


def backup_files(folder: Path) -> list[BackupFile]:
    """The backups in ``folder``, oldest first (none if the folder does not exist yet)."""
    found: list[BackupFile] = []
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match is None or not path.is_file():
            continue
        try:
            taken_at = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue  # looks like ours but is no time (mikrovirk-20261399-…): not a backup the bot wrote
        found.append(BackupFile(path, taken_at, path.stat().st_size))
    found.sort(key=lambda backup: backup.taken_at)
    return found


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest backups in ``folder``; returns the deleted files."""
    files = backup_files(folder)
    outdated = [backup.path for backup in files[: max(len(files) - keep, 0)]]
    for path in outdated:
        path.unlink(missing_ok=True)
    return outdated


def next_due(last_due: datetime, every: timedelta, now: datetime) -> datetime:
    """The first moment after ``now`` on the grid ``last_due + k × every``: after a long stop the missed periods
    are not made up one by one, and the backups keep their time of day."""
    missed = max((now - last_due) // every, 0)
    return last_due + every * (missed + 1)


def describe_last_backup(folder: Path, now: datetime) -> str:
    """One line for ``python -m bot status``: the newest backup's name, age and size, or that there is none."""
    files = backup_files(folder)
    if not files:
        return f"Last backup: none yet in {folder}."
    last = files[-1]
    return (
        f"Last backup: {last.path.name} in {folder} ({_age(now - last.taken_at)} old, {last.size / 1_000_000:.1f} MB)."
    )


def _age(age: timedelta) -> str:
    minutes = max(age // timedelta(minutes=1), 0)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"
