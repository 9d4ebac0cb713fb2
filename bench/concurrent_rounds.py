"""Concurrent rounds benchmark: the 1-day reminder and the "still coming?" round of a full meeting, due together.

For each size a fresh loopback Discord (tests/fakediscord, Discord-like rate limits unless ``--generous``) and the
real bot are started. The config file gets ``[meetings] still_coming_before = "1d"``, so the still-coming round is
due at the same moment as the ``before:1d`` reminder (30 November 2026 16:30 UTC for the default meeting). An
organiser creates one meeting with capacity C; C members react ✅ (going) and W more react ✅ after them (waiting
list; each gets the bot's "you are on the waiting list" DM during setup, which opens their DM channels). After the
bot settled and the DM-channel window of the setup has passed, the clock is moved to the due moment and the two rows
are run at once, ``asyncio.gather(bot.rounds.run(reminder), bot.rounds.run(still_coming))``, as their two timers
would fire together. Both go through the one DM pacer ``bot.dm``. Measured:

* 429 responses during the two rounds (target: 0), by route,
* DMs delivered: every going member must get exactly one reminder DM and one still-coming DM (2 × C in all), the
  waiting members none; one reminder card in the announcements channel; both rows finished ``sent``,
* wall time from the gather to both rounds finished, and to the last DM, compared with the lower bounds: the
  DM-channel creation limit (one new channel per going member: (⌈C / limit⌉ − 1) × window) and the DM pacer
  ((2C − 1) × interval).

Run from the repository root::

    python -m bench.concurrent_rounds                        # C = 100 going, W = 10 waiting
    python -m bench.concurrent_rounds --capacity 50 --waiting 5
    python -m bench.concurrent_rounds --sequential           # bot.rounds.run_due() instead (one round after the other)

Everything runs in this one process and event loop (emulator, bot and the simulated members) on 127.0.0.1. Every
wait is bounded; the exit status is 1 if any run ended in a wrong state or timed out.
"""

from __future__ import annotations

import asyncio
import functools
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench import _common as common
from bot.rounds import RoundKind, RoundState
from bot.rsvp import RsvpState
from tests.e2e.conftest import settle_bot
from tests.fakediscord import BucketLimit, FakeMessage, RateLimitConfig

STILL_COMING_KEY = (RoundKind.STILL_COMING, "")
STILL_COMING_CONFIG = '\n[meetings]\nstill_coming_before = "1d"\n'


@dataclass
class Result(common.Outcome):
    capacity: int
    waiting: int
    sequential: bool
    generous: bool
    wall_seconds: float = math.nan  # rounds started → both finished
    last_dm_seconds: float = math.nan  # rounds started → last DM accepted
    rate_limited: int = 0
    limited_by_route: Counter[str] = field(default_factory=Counter)
    dm_posts: int = 0
    reminder_dms: int = 0  # going members with exactly one reminder DM
    still_dms: int = 0  # going members with exactly one still-coming DM
    dm_channel_creates: int = 0
    requests: int = 0
    requests_by_route: Counter[str] = field(default_factory=Counter)
    create_limit: BucketLimit | None = None
    dm_interval: float = math.nan
    states: dict[str, str] = field(default_factory=dict)
    run_seconds: float = math.nan  # the whole run, setup included

    @property
    def create_floor(self) -> float:
        """(⌈C / limit⌉ − 1) × window: the C-th new DM channel cannot be opened sooner under a fixed window."""
        if self.create_limit is None:
            return 0.0
        return (math.ceil(self.capacity / self.create_limit.limit) - 1) * self.create_limit.window

    @property
    def pacer_floor(self) -> float:
        return max(2 * self.capacity - 1, 0) * self.dm_interval

    @property
    def floor(self) -> float:
        return max(self.create_floor, self.pacer_floor)

    def line(self) -> str:
        mode = "run_due (sequential)" if self.sequential else "gather (concurrent)"
        limits = "generous" if self.generous else "Discord-like"
        binding = "DM-channel creation" if self.create_floor >= self.pacer_floor else "DM pacer"
        return (
            f"C={self.capacity} going + W={self.waiting} waiting, {mode}, {limits} limits: {self.rate_limited} × 429, "
            f"{self.dm_posts} DMs ({self.reminder_dms} reminder, {self.still_dms} still-coming of {self.capacity} "
            f"going), {self.dm_channel_creates} DM channels opened, both rounds done after {self.wall_seconds:.2f} s "
            f"(last DM {self.last_dm_seconds:.2f} s); floors: channel creation {self.create_floor:.2f} s, "
            f"DM pacer {self.pacer_floor:.2f} s — {binding} binds, {self.last_dm_seconds / self.floor:.3f}× the "
            f"floor; rows {self.states}; run took {self.run_seconds:.1f} s — {self.status}"
            if self.floor > 0
            else f"C={self.capacity}: {self.rate_limited} × 429, {self.dm_posts} DMs — {self.status}"
        )


def still_coming(message: FakeMessage) -> bool:
    return "Kommer du stadig" in message.content or "still coming" in message.content.lower()


async def run_rounds(result: Result, workdir: Path, wait_limit: float, rounds_limit: float) -> None:
    """Fill ``result`` as the run goes, so a run that times out still shows what it measured."""
    capacity, waiting = result.capacity, result.waiting
    limits = RateLimitConfig.generous() if result.generous else RateLimitConfig()
    result.create_limit = limits.dm_channel_create
    names = common.member_names("Medlem", capacity) + common.member_names("Venter", waiting)
    async with common.announced_meeting(
        workdir,
        names,
        wait_limit=wait_limit,
        rate_limits=limits,
        capacity=capacity,
        extra_config=STILL_COMING_CONFIG,
    ) as bench:
        emu, server, bot = bench.emu, bench.server, bench.bot
        going, queued = bench.members[:capacity], bench.members[capacity:]
        # The waiting members' DMs open DM channels at the emulator's creation limit.
        await common.react_and_settle(bench, going + queued, wait_limit + 2 * waiting)
        counts = await common.rsvp_counts(bench)
        if counts[RsvpState.GOING] != capacity or counts[RsvpState.WAITING] != waiting:
            raise AssertionError(f"RSVPs before the rounds: {dict(counts)}")
        if any(emu.dms_to(member) for member in going):
            raise AssertionError("going members got DMs before the rounds")

        rows = await common.rounds_by_key(bench)
        for key in (common.REMINDER_KEY, STILL_COMING_KEY):
            if key not in rows:
                raise AssertionError(f"no {key} row; rows: {sorted(rows)}")
            if rows[key].due_at != common.DAY_BEFORE:
                raise AssertionError(f"{key} is due {rows[key].due_at}, not {common.DAY_BEFORE}")
        # Start with a fresh DM-channel window, so the floor below is the whole story.
        if result.create_limit is not None and not result.generous:
            await asyncio.sleep(result.create_limit.window)
        server.clock.now = common.DAY_BEFORE
        result.dm_interval = bot.dm.interval

        requests_before, limited_before = len(emu.requests), len(emu.rate_limited)
        started = time.monotonic()
        try:
            async with asyncio.timeout(rounds_limit):
                if result.sequential:
                    await bot.rounds.run_due()
                else:
                    await asyncio.gather(
                        bot.rounds.run(rows[common.REMINDER_KEY].id), bot.rounds.run(rows[STILL_COMING_KEY].id)
                    )
        except TimeoutError:
            result.problems.append(f"the rounds did not finish within {rounds_limit:.0f} s")
        result.wall_seconds = time.monotonic() - started
        await settle_bot(bot, timeout=wait_limit)

        window = emu.requests[requests_before:]
        result.requests = len(window)
        result.requests_by_route = common.route_counts(window)
        limited = emu.rate_limited[limited_before:]
        result.rate_limited = len(limited)
        result.limited_by_route = common.route_counts(limited)
        result.dm_channel_creates = common.accepted(window, common.DM_CREATE_ROUTE)
        dm_times = common.dm_post_times(emu, window, going + queued)
        result.dm_posts = len(dm_times)
        if dm_times:
            result.last_dm_seconds = dm_times[-1] - started

        wrong = []
        for member in going:
            dms = emu.dms_to(member)
            reminders, stills = sum(map(common.is_reminder, dms)), sum(map(still_coming, dms))
            result.reminder_dms += reminders == 1
            result.still_dms += stills == 1
            if len(dms) != 2 or reminders != 1 or stills != 1:
                wrong.append(f"{member.name}: {len(dms)} DMs")
        if wrong:
            result.problems.append(f"{len(wrong)} going members without one DM of each ({wrong[:3]} …)")
        extra = [m.name for m in queued if len(emu.dms_to(m)) != 1]
        if extra:
            result.problems.append(f"waiting members with other than their one waitlisted DM: {extra[:3]}")
        if result.dm_posts != 2 * capacity:
            result.problems.append(f"{result.dm_posts} DM posts, not {2 * capacity}")
        cards = common.reminder_cards(emu, server.announcements)
        if len(cards) != 1:
            result.problems.append(f"{len(cards)} reminder cards in the announcements channel, not 1")
        finished = await common.rounds_by_key(bench)
        for key in (common.REMINDER_KEY, STILL_COMING_KEY):
            state = finished[key].state
            result.states[str(key[0])] = str(state)
            if state is not RoundState.SENT:
                result.problems.append(f"{key} ended {state}, not sent")
        common.check_emulator(emu, result.problems)


def table(results: list[Result]) -> str:
    rows = [
        "| C going | W waiting | mode | limits | 429s | DMs | reminder DMs | still-coming DMs | DM channels opened "
        "| rounds done after | last DM after | floor (binding) | × floor | REST requests | result |",
        "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        binding = "channel creation" if r.create_floor >= r.pacer_floor else "DM pacer"
        ratio = r.last_dm_seconds / r.floor if r.floor > 0 else math.nan
        rows.append(
            f"| {r.capacity} | {r.waiting} | {'run_due' if r.sequential else 'gather'} "
            f"| {'generous' if r.generous else 'Discord-like'} | {r.rate_limited} | {r.dm_posts} | {r.reminder_dms} "
            f"| {r.still_dms} | {r.dm_channel_creates} | {r.wall_seconds:.2f} s | {r.last_dm_seconds:.2f} s "
            f"| {r.floor:.2f} s ({binding}) | {ratio:.3f} | {r.requests} | {r.status_cell} |"
        )
    return "\n".join(rows)


async def main_async(
    capacity: int, waiting: int, sequential: bool, generous: bool, repeat: int, wait_limit: float
) -> list[Result]:
    results = []
    for _ in range(repeat):
        result = Result(capacity, waiting, sequential, generous)
        # One DM-channel per going member at about one per second, two DMs each: room for twice that.
        rounds_limit = 60.0 + 2.0 * capacity
        run_limit = rounds_limit + 4 * wait_limit + 2 * waiting + 60.0
        run = functools.partial(run_rounds, result, wait_limit=wait_limit, rounds_limit=rounds_limit)
        result.run_seconds = await common.run_bounded(result, f"concurrent-rounds-{capacity}-", run_limit, run)
        print(result.line(), flush=True)
        if result.limited_by_route:
            print(f"  429s by route: {dict(result.limited_by_route)}", flush=True)
        common.print_routes("REST during the rounds", result.requests_by_route)
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = common.new_parser(__doc__)
    parser.add_argument("--capacity", type=int, default=100, help="the meeting's capacity = going members (100)")
    parser.add_argument("--waiting", type=int, default=10, help="members on the waiting list (default 10)")
    parser.add_argument("--sequential", action="store_true", help="bot.rounds.run_due() instead of gather")
    parser.add_argument("--generous", action="store_true", help="RateLimitConfig.generous() (no limits hit)")
    parser.add_argument("--repeat", type=int, default=1, help="runs, each with a fresh emulator and bot (default 1)")
    common.add_wait(parser)
    args = parser.parse_args(argv)
    if args.capacity < 1 or args.waiting < 1:
        parser.error("--capacity and --waiting must be at least 1 (the still-coming round needs a waiting list)")
    common.configure_logging()
    results = asyncio.run(
        main_async(args.capacity, args.waiting, args.sequential, args.generous, args.repeat, args.wait)
    )
    return common.finish(results, table(results))


if __name__ == "__main__":
    sys.exit(main())
