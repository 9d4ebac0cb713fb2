"""Season benchmark: whole seasons of the network simulated end to end, with faults, one per seed.

Each seed gets a fresh loopback Discord (tests/fakediscord, Discord-like rate limits), a fresh bot and SQLite file,
and runs ``tests/e2e/season.py``: an organiser plans the meetings with ``/meeting plan``, every second meeting gets a
capacity of a third of the members, members answer, switch and take answers back at random, bring guests, volunteer
for the hot seat, present as newcomers, fill in profiles, turn reminder DMs off, close their DMs; one leaves, one
erases their data; the bot's clock is walked through every timed round of every meeting while the season is
interrupted by restarts (some twice at one instant), kill -9 in the middle of fan-outs, 429 and 5xx storms and a
gateway drop. The checks of ``tests/e2e/season.py`` decide whether a season is ok. Printed per seed: the messages
per kind and meeting, the faults injected, the wall time and the problems found.

Run from the repository root::

    python -m bench.season                       # 8 meetings, 150 members, seeds 1, 2, 3
    python -m bench.season --seeds 1 --meetings 4 --members 60
    python -m bench.season --first-seed 17 --seeds 2

Everything runs in this one process and event loop on 127.0.0.1. The exit status is 1 if a season found a problem
or ran out of time (``--run-timeout`` per seed).
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench import _common as common
from tests.e2e.conftest import build_server
from tests.e2e.season import SeasonReport, SeasonSize, run_season
from tests.fakediscord import FakeDiscord


@dataclass(kw_only=True)
class Result(common.Outcome):
    seed: int
    size: SeasonSize
    wall_seconds: float = 0.0
    report: SeasonReport | None = None
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"seed {self.seed}: {self.size.meetings} meetings, {self.size.members} members, "
            f"{self.wall_seconds:.0f} s: {self.status}"
        )


async def one_season(seed: int, size: SeasonSize, limit: float) -> Result:
    result = Result(seed=seed, size=size)

    async def run(workdir: Path) -> None:
        async with FakeDiscord() as emu:
            with emu.patch_discord():
                report = await run_season(build_server(emu, workdir), size, seed)
        result.report = report
        result.problems.extend(report.problems)

    result.wall_seconds = await common.run_bounded(result, f"season-{seed}-", limit, run)
    result.ok = result.ok and not result.problems
    return result


def table(results: list[Result]) -> str:
    lines = ["| seed | meetings | members | wall time | steps | problems |", "|---:|---:|---:|---:|---:|---|"]
    for r in results:
        steps = r.report.steps if r.report else 0
        problems = "none" if r.ok else f"{len(r.problems)}: " + "; ".join(r.problems)[:300]
        lines.append(
            f"| {r.seed} | {r.size.meetings} | {r.size.members} | {r.wall_seconds:.0f} s | {steps} | {problems} |"
        )
    return "\n".join(lines)


async def main_async(seeds: list[int], size: SeasonSize, limit: float) -> list[Result]:
    results = []
    for seed in seeds:
        result = await one_season(seed, size, limit)
        print(result.line(), flush=True)
        if result.report is not None:
            print(result.report.render(), flush=True)
        for problem in result.problems:
            print(f"  problem: {problem}", flush=True)
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = common.new_parser(__doc__)
    parser.add_argument("--seeds", type=int, default=3, help="how many seeds to run (default 3)")
    parser.add_argument("--first-seed", type=int, default=1, help="the first seed (default 1)")
    parser.add_argument("--meetings", type=int, default=8, help="meetings in the season (default 8)")
    parser.add_argument("--members", type=int, default=150, help="members of the network (default 150)")
    parser.add_argument(
        "--dm-interval", type=float, default=0.02, help="the bot's pause between DMs in seconds (default 0.02)"
    )
    parser.add_argument("--run-timeout", type=float, default=3600.0, help="seconds per season (default 3600)")
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.meetings < 2 or args.members < 10:
        parser.error("at least 1 seed, 2 meetings and 10 members")
    common.configure_logging()
    size = SeasonSize(meetings=args.meetings, members=args.members, dm_interval=args.dm_interval)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    results = asyncio.run(main_async(seeds, size, args.run_timeout))
    return common.finish(results, table(results))


if __name__ == "__main__":
    sys.exit(main())
