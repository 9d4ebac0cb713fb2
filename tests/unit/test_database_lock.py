"""One bot per database: the lock is exclusive across processes and never outlives a killed one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from db.lock import DatabaseInUseError, DatabaseLock

HOLD = """
import sys, time
from pathlib import Path
from db.lock import DatabaseLock
DatabaseLock(Path(sys.argv[1])).acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_a_second_process_is_refused_and_a_killed_one_leaves_no_stale_lock(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    root = Path(__file__).resolve().parents[2]
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(database)], cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseInUseError) as refused:
            DatabaseLock(database).acquire()
        assert refused.value.pid == holder.pid
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # like kill -9: no clean-up code runs
        holder.wait(timeout=10)
    deadline = time.monotonic() + 5
    lock = DatabaseLock(database)
    while True:
        try:
            lock.acquire()
            break
        except DatabaseInUseError:
            assert time.monotonic() < deadline, "the lock outlived the killed process"
            time.sleep(0.05)
    assert lock.held
    lock.release()
