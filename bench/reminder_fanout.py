"""Reminder fan-out benchmark: one "1 day before" reminder DMed to N going members, timed until the last DM arrived.

For each N a fresh loopback Discord (tests/fakediscord, Discord-like rate limits on unless ``--generous``) and the real
bot are started, with N members in the guild before the bot starts. An organiser creates one meeting, all N react ✅
and the bot settles until the N RSVPs are in the database. Then the bot's clock is moved to the reminder's due moment
and ``bot.rounds.run_due()`` is awaited and timed. Measured:

* seconds from calling ``run_due()`` until the last reminder DM was delivered (and DMs/s), and until it returned,
* reminder DMs delivered: ``emu.dms_to(member)`` must be exactly one reminder DM per member, nothing else,
* 429 responses, the ``retries`` the cog logs with "reminder sent", and the REST requests of the fan-out by route,
* the floor of the issue's target (at most 1.1× the floor): the least time N new DM channels take under the
  emulator's DM-channel limit, (⌈N / limit⌉ − 1) × window (290 s for N=300 at 10 per 10 s), or (N − 1) × the DM
  interval if that is larger; the measured time as a multiple of it,
* the pacing: the gaps between consecutive DMs, compared with the two lower bounds the run is subject to —
  the DM interval of ``cogs._dm`` ((N - 1) × interval) and the emulator's DM-channel creation limit
  (one new DM channel per member; with the default 10 per 10 s fixed window, ⌊N / 10⌋ × 10 s: discord.py sleeps
  out the reset inside the request that used a window's last slot, so that member's DM waits for the next window).

Run from the repository root::

    python -m bench.reminder_fanout                            # N = 300, Discord-like limits, 0.25 s DM interval
    python -m bench.reminder_fanout --dm-interval 0            # without the bot's own DM pacing
    python -m bench.reminder_fanout --generous --dm-interval 0 # and without the emulator's rate limits
    python -m bench.reminder_fanout --n 50 --n 300             # any sizes

Everything runs in this one process and event loop (emulator, bot and the simulated members) on 127.0.0.1. Every
wait is bounded; the exit status is 1 if any run ended in a wrong state or timed out.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import math
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bench import _common as common
from bot.rsvp import RsvpState
from bot.services.dm import DEFAULT_DM_INTERVAL
from tests.fakediscord import BucketLimit, RateLimitConfig

DEFAULT_SIZES = (300,)
TARGET_RATIO = 1.1  # the target: the fan-out takes at most 1.1× the floor
PAUSE = 1.0  # a gap between two DMs this long or longer is counted as a pause (waiting for a rate-limit window)
POLL_INTERVAL = 0.05


@dataclass
class Result(common.Outcome):
    n: int
    dm_interval: float
    generous: bool
    due_at: datetime | None = None
    delivered_seconds: float = math.nan  # run_due() called → last reminder DM accepted by the emulator
    returned_seconds: float = math.nan  # run_due() called → run_due() returned
    first_dm_seconds: float = math.nan  # run_due() called → first reminder DM accepted
    delivered: int = 0  # members with exactly one reminder DM
    dm_posts: int = 0  # successful message POSTs to DM channels during the fan-out
    dm_channel_creates: int = 0
    rate_limited: int = 0
    retries: int = -1  # sum of "retries" over the "reminder sent" log records; -1 if none was logged
    dm_failures: int = 0  # "dm failed" / "dm not delivered" log records
    requests: int = 0
    requests_by_route: Counter[str] = field(default_factory=Counter)
    gaps: list[float] = field(default_factory=list)  # seconds between consecutive reminder DMs
    create_limit: BucketLimit | None = None
    wall_seconds: float = math.nan

    @property
    def dms_per_second(self) -> float:
        return self.delivered / self.delivered_seconds if self.delivered_seconds > 0 else math.nan

    @property
    def mode(self) -> str:
        limits = "generous limits" if self.generous else "Discord-like limits"
        return f"{limits}, DM interval {self.dm_interval:g} s"

    @property
    def interval_bound(self) -> float:
        """The fan-out cannot be faster than the bot's own DM pacing allows."""
        return max(self.n - 1, 0) * self.dm_interval

    @property
    def create_bound(self) -> float:
        """Nor faster than one new DM channel per member allows under a fixed window: ⌊N / limit⌋ windows.

        discord.py (``Ratelimit.__aexit__``) sleeps until the reset inside the request that took a window's last
        slot, so the DM of that member, the last of a window, only goes out when the next window opens.
        """
        if self.create_limit is None or self.n < self.create_limit.limit:
            return 0.0
        return self.n // self.create_limit.limit * self.create_limit.window

    @property
    def create_floor(self) -> float:
        """The least time N new DM channels take under the emulator's fixed window: (⌈N / limit⌉ − 1) × window.

        Each window admits ``limit`` creates; the first window opens with the first create, so the N-th create can
        go out no sooner than the start of the ⌈N / limit⌉-th window. (``create_bound`` adds the last window, which
        discord.py sleeps out inside the request that used its last slot.)
        """
        if self.create_limit is None:
            return 0.0
        return (math.ceil(self.n / self.create_limit.limit) - 1) * self.create_limit.window

    @property
    def floor(self) -> float:
        """The target's floor: the DM-channel creation floor, or the DM interval's if that is larger."""
        return max(self.create_floor, self.interval_bound)

    @property
    def floor_binding(self) -> str:
        return "DM-channel creation" if self.create_floor >= self.interval_bound else "DM interval"

    @property
    def floor_ratio(self) -> float:
        return self.delivered_seconds / self.floor if self.floor > 0 else math.nan

    def floor_line(self) -> str:
        if not self.floor > 0:
            return "  floor: none (no DM-channel limit and no DM interval)"
        limit = f"{self.create_limit.limit} per {self.create_limit.window:g} s" if self.create_limit else "unlimited"
        met = "met" if self.floor_ratio <= TARGET_RATIO else "MISSED"
        return (
            f"  floor: DM-channel creation ({limit}) (⌈{self.n} / limit⌉ − 1) × window = {self.create_floor:.2f} s, "
            f"DM interval ({self.n} − 1) × {self.dm_interval:g} s = {self.interval_bound:.2f} s → "
            f"{self.floor_binding} binds: floor {self.floor:.2f} s; measured {self.delivered_seconds:.2f} s = "
            f"{self.floor_ratio:.3f}× the floor — target ≤ {TARGET_RATIO:g}× {met}"
        )

    @property
    def pauses(self) -> list[float]:
        return [gap for gap in self.gaps if gap >= PAUSE]

    def verdict(self) -> str:
        measured = self.delivered_seconds
        if not measured > 0:
            return "no fan-out measured"
        bounds = {
            f"the DM interval ({self.dm_interval:g} s between DMs)": self.interval_bound,
            "DM-channel creation "
            + (
                f"({self.create_limit.limit} per {self.create_limit.window:g} s)"
                if self.create_limit
                else "(unlimited)"
            ): self.create_bound,
        }
        name, bound = max(bounds.items(), key=lambda item: item[1])
        if bound >= 0.5 * measured:
            return f"{name} dominates: its lower bound {bound:.1f} s is {bound / measured:.0%} of the {measured:.1f} s"
        per_dm = measured / max(self.delivered, 1) * 1000
        return (
            f"neither pacing dominates (bounds {self.interval_bound:.1f} s and {self.create_bound:.1f} s of "
            f"{measured:.1f} s): the per-DM work of bot and emulator does, {per_dm:.1f} ms per DM"
        )

    def line(self) -> str:
        retries = "not logged" if self.retries < 0 else str(self.retries)
        return (
            f"N={self.n} ({self.mode}): all reminder DMs delivered after {self.delivered_seconds:.2f} s "
            f"({self.dms_per_second:.1f} DMs/s; first after {self.first_dm_seconds:.3f} s, run_due returned after "
            f"{self.returned_seconds:.2f} s), {self.delivered}/{self.n} members got exactly one reminder DM, "
            f"{self.rate_limited} × 429, {retries} retries ({self.dm_failures} failed DM sends logged), "
            f"{self.requests} REST requests, run took {self.wall_seconds:.1f} s — {self.status}"
        )

    def pacing_line(self) -> str:
        if not self.gaps:
            return "  pacing: no gaps measured"
        pauses = self.pauses
        return (
            f"  pacing: gap between DMs median {statistics.median(self.gaps) * 1000:.1f} ms, "
            f"{len(pauses)} pauses ≥ {PAUSE:g} s totalling {sum(pauses):.1f} s "
            f"(mean {statistics.mean(pauses) if pauses else 0:.2f} s); lower bounds: DM interval "
            f"{self.interval_bound:.1f} s, DM-channel creation {self.create_bound:.1f} s — {self.verdict()}"
        )


class RetryLog(logging.Handler):
    """Collects the reminder cog's "reminder sent" records (with their ``retries``) and the DM failures."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.retries: list[int] = []
        self.dm_failures = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message == "reminder sent":
            self.retries.append(int(getattr(record, "retries", 0)))
        elif message in ("dm failed", "dm not delivered"):
            self.dm_failures += 1


async def wait_for_going(bench: common.MeetingBench, n: int, limit: float) -> int:
    """Poll the database until ``n`` going RSVPs are stored; the count seen last."""
    deadline = time.monotonic() + limit
    while True:
        going = (await common.rsvp_counts(bench))[RsvpState.GOING]
        if going >= n or time.monotonic() >= deadline:
            return going
        await asyncio.sleep(POLL_INTERVAL)


async def run_fanout(result: Result, workdir: Path, wait_limit: float, fanout_limit: float, log: RetryLog) -> None:
    """Fill ``result`` as the run goes, so a run that times out still shows what it measured."""
    n = result.n
    limits = RateLimitConfig.generous() if result.generous else RateLimitConfig()
    result.create_limit = limits.dm_channel_create
    async with common.announced_meeting(
        workdir, common.member_names("Medlem", n), wait_limit=wait_limit, rate_limits=limits
    ) as bench:
        emu, server, bot, members = bench.emu, bench.server, bench.bot, bench.members
        await common.react_and_settle(bench, members, wait_limit)
        going = await wait_for_going(bench, n, wait_limit)
        if going != n:
            raise AssertionError(f"only {going}/{n} going RSVPs stored within {wait_limit:.0f} s")
        if any(emu.dms_to(member) for member in members):
            raise AssertionError("members got DMs before the reminder was due")

        rows = await common.rounds_by_key(bench)
        if common.REMINDER_KEY not in rows:
            raise AssertionError(f"no {common.REMINDER_KEY} reminder row; rows: {sorted(rows)}")
        result.due_at = rows[common.REMINDER_KEY].due_at
        if result.due_at != common.DAY_BEFORE:
            result.problems.append(f"{common.REMINDER_KEY} is due {result.due_at}, expected {common.DAY_BEFORE}")
        server.clock.now = result.due_at

        bot.dm.interval = result.dm_interval
        requests_before, limited_before = len(emu.requests), len(emu.rate_limited)
        retries_before, failures_before = len(log.retries), log.dm_failures
        started = time.monotonic()
        try:
            async with asyncio.timeout(fanout_limit):
                await bot.rounds.run_due()
        except TimeoutError:
            result.problems.append(f"run_due() did not return within {fanout_limit:.0f} s")
        returned = time.monotonic()
        result.returned_seconds = returned - started

        fanout = emu.requests[requests_before:]
        result.requests = len(fanout)
        result.requests_by_route = common.route_counts(fanout)
        result.rate_limited = len(emu.rate_limited) - limited_before
        result.dm_channel_creates = common.accepted(fanout, common.DM_CREATE_ROUTE)
        dm_times = common.dm_post_times(emu, fanout, members)
        result.dm_posts = len(dm_times)
        if dm_times:
            result.first_dm_seconds = dm_times[0] - started
            result.delivered_seconds = dm_times[-1] - started
            result.gaps = [b - a for a, b in itertools.pairwise(dm_times)]
        new_retries = log.retries[retries_before:]
        result.retries = sum(new_retries) if new_retries else -1
        result.dm_failures = log.dm_failures - failures_before

        wrong = []
        for member in members:
            dms = emu.dms_to(member)
            if len(dms) == 1 and common.is_reminder(dms[0]):
                result.delivered += 1
            else:
                wrong.append(f"{member.name}: {len(dms)} DMs")
        if wrong:
            result.problems.append(f"{len(wrong)} members without exactly one reminder DM ({wrong[:3]} …)")
        if result.dm_posts != n:
            result.problems.append(f"{result.dm_posts} DM posts for {n} members (repeated or missing sends)")
        posts = common.reminder_cards(emu, server.announcements)
        if len(posts) != 1:
            result.problems.append(f"{len(posts)} reminder posts in the announcements channel, not 1")
        if not new_retries:
            result.problems.append('the cog logged no "reminder sent"')
        common.check_emulator(emu, result.problems)


def table(results: list[Result]) -> str:
    rows = [
        "| N | limits | DM interval | all DMs delivered after | DMs/s | run_due returned after | reminder DMs "
        "| 429s | retries | DM-channel creates | REST requests | pauses ≥ 1 s | floor (binding) | × floor "
        "| result |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    rows.extend(
        f"| {r.n} | {'generous' if r.generous else 'Discord-like'} | {r.dm_interval:g} s | {r.delivered_seconds:.2f} s "
        f"| {r.dms_per_second:.1f} | {r.returned_seconds:.2f} s | {r.delivered} | {r.rate_limited} "
        f"| {r.retries if r.retries >= 0 else '–'} | {r.dm_channel_creates} | {r.requests} "
        f"| {len(r.pauses)} ({sum(r.pauses):.1f} s) | {r.floor:.2f} s ({r.floor_binding}) | {r.floor_ratio:.3f} "
        f"| {r.status_cell} |"
        for r in results
    )
    return "\n".join(rows)


async def main_async(
    sizes: list[int],
    dm_interval: float,
    generous: bool,
    wait_limit: float,
    fanout_limit: float | None,
    run_limit: float | None,
) -> list[Result]:
    log = RetryLog()
    cog_logger = logging.getLogger("cogs.reminders._rounds")
    dm_logger = logging.getLogger("bot.services.dm")
    for logger in (cog_logger, dm_logger):
        logger.setLevel(logging.INFO)
        logger.addHandler(log)
    results = []
    try:
        for n in sizes:
            result = Result(n, dm_interval, generous)
            # Room for one DM per second (the default DM-channel creation rate) plus setup; explicit limits win.
            fanout = fanout_limit if fanout_limit is not None else 60.0 + 1.5 * n
            limit = run_limit if run_limit is not None else fanout + 4 * wait_limit + 60.0
            run = functools.partial(run_fanout, result, wait_limit=wait_limit, fanout_limit=fanout, log=log)
            result.wall_seconds = await common.run_bounded(result, f"reminder-fanout-{n}-", limit, run)
            print(result.line(), flush=True)
            print(result.pacing_line(), flush=True)
            print(result.floor_line(), flush=True)
            common.print_routes("REST during the fan-out", result.requests_by_route)
            results.append(result)
    finally:
        for logger in (cog_logger, dm_logger):
            logger.removeHandler(log)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = common.new_parser(__doc__)
    common.add_sizes(parser, "going members", DEFAULT_SIZES)
    parser.add_argument(
        "--dm-interval",
        type=float,
        default=DEFAULT_DM_INTERVAL,
        help=f"seconds between DMs, set as bot.dm.interval before the fan-out (default {DEFAULT_DM_INTERVAL:g})",
    )
    parser.add_argument(
        "--generous", action="store_true", help="run the emulator with RateLimitConfig.generous() (no limits hit)"
    )
    common.add_wait(parser)
    parser.add_argument("--fanout-timeout", type=float, help="limit for run_due() in seconds (default 60 + 1.5 × N)")
    parser.add_argument(
        "--run-timeout", type=float, help="hard limit per N in seconds (default: fan-out limit + 4 × wait + 60)"
    )
    args = parser.parse_args(argv)
    chosen = common.parse_sizes(parser, args, DEFAULT_SIZES)
    if args.dm_interval < 0:
        parser.error("--dm-interval must not be negative")
    common.configure_logging()
    # The console shows warnings only; the two cog loggers are raised to INFO for the RetryLog handler.
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING)
    results = asyncio.run(
        main_async(chosen, args.dm_interval, args.generous, args.wait, args.fanout_timeout, args.run_timeout)
    )
    return common.finish(results, table(results))


if __name__ == "__main__":
    sys.exit(main())
