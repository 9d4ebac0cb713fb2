"""The season simulation in CI: one fixed seed, 4 meetings, 60 members (the long run is ``bench/season.py``)."""

from __future__ import annotations

import sys
import time

from tests.e2e.conftest import Server
from tests.e2e.season import SeasonSize, run_season

SEED = 17


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def test_a_season_with_faults_keeps_every_promise(server: Server) -> None:
    began = time.monotonic()
    report = await run_season(server, SeasonSize(meetings=4, members=60), SEED, progress=to_stderr)
    print(report.render())
    print("timeline:", "; ".join(report.timeline))
    print(f"wall time {time.monotonic() - began:.1f} s")
    assert not report.problems, "\n".join(report.problems)
