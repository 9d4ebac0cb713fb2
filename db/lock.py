"""One bot per database: an exclusive OS lock on a file beside the database, held while the bot runs.

The OS releases it when the process ends in any way (a crash or kill -9 included), so it can never go stale; a second
bot on the same database stops at start instead of running a second scheduler that would send everything twice.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from db.database import PRIVATE_FILE, private_folder


class DatabaseInUseError(RuntimeError):
    """Another process holds the database's lock; ``pid`` is the one it wrote there, if readable."""

    def __init__(self, path: Path, pid: int | None) -> None:
        super().__init__(f"{path} is in use by process {pid}")
        self.path = path
        self.pid = pid


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class DatabaseLock:
    def __init__(self, database: Path) -> None:
        self.path = lock_path(database)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`DatabaseInUseError`; writes this process id into the lock file."""
        if self._fd is not None:
            return
        private_folder(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            raise DatabaseInUseError(self.path, int(holder) if holder.isdigit() else None) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None
