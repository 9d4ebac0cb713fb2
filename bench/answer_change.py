"""Answer-change benchmark: N members who answered ✅ switch to ❌ at a steady rate; the bot takes the old ✅ back.

For each N a fresh loopback Discord (tests/fakediscord, Discord-like rate limits) and the real bot are started, with
N members in the guild before the bot starts and the bot holding Manage Messages (the emulator's default bot
permissions). An organiser creates one meeting without a capacity, all N react ✅, and the bot settles until the N
going RSVPs are stored. Then the N members react ❌ one by one at ``--rate`` per second (default 50: one
``emu.react(member, post, "❌")`` every 20 ms, on a fixed schedule). Each switch makes the bot remove the member's
now stale ✅ (``DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}``). Measured:

* 429 responses on that delete-reaction route (and all 429s) from the first switch until the bot settled,
* seconds from the first switch (and from the last switch) until no member's ✅ is left on the post,
* the pacing of the removals: the route's limit as the emulator reports it in the ``X-RateLimit-*`` headers of the
  first removal (limit per window), the floor that limit sets for N removals, and the gaps between removals,
* that the database ends with N not_going RSVPs and nothing else, and every member's ❌ is still on the post.

Run from the repository root::

    python -m bench.answer_change                   # N = 300 at 50 switches/s
    python -m bench.answer_change --n 30 --n 300    # any sizes
    python -m bench.answer_change --rate 200        # a faster burst

Everything runs in this one process and event loop (emulator, bot and the simulated members) on 127.0.0.1. Every
wait is bounded; the exit status is 1 if any run ended in a wrong state or timed out.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import math
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench import _common as common
from bot.rsvp import RsvpState
from tests.e2e.conftest import settle_bot
from tests.fakediscord import FakeMessage, FakeUser

NOT_GOING = "❌"
DEFAULT_SIZES = (300,)
DEFAULT_RATE = 50.0
REMOVE_ROUTE = "DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}"


@dataclass
class Result(common.Outcome):
    n: int
    rate: float
    switch_seconds: float = math.nan  # first switch sent → last switch sent
    gone_after_first: float = math.nan  # first switch sent → no member's ✅ left on the post
    gone_after_last: float = math.nan  # last switch sent → no member's ✅ left on the post
    removals: int = 0  # successful removals of a member's ✅
    route_429: int = 0  # 429s on the delete-reaction route
    all_429: int = 0
    requests: int = 0
    requests_by_route: Counter[str] = field(default_factory=Counter)
    header_limit: int | None = None  # X-RateLimit-Limit of the first removal
    header_window: float | None = None  # X-RateLimit-Reset-After of the first removal (a fresh window's length)
    removal_gaps: list[float] = field(default_factory=list)
    first_removal_after: float = math.nan  # first switch sent → first removal accepted
    removals_span: float = math.nan  # first → last accepted removal
    db_not_going: int = -1
    db_rows: int = -1
    wall_seconds: float = math.nan

    @property
    def floor(self) -> float:
        """The least time the route's limit allows from the first to the last of N removals.

        With ``limit`` requests per fixed window of ``window`` seconds, N requests need ⌈N / limit⌉ windows, the last
        of which starts (⌈N / limit⌉ − 1) × window after the first.
        """
        if not self.header_limit or self.header_window is None:
            return math.nan
        return (math.ceil(self.n / self.header_limit) - 1) * self.header_window

    @property
    def pace_ratio(self) -> float:
        return self.removals_span / self.floor if self.floor > 0 else math.nan

    def line(self) -> str:
        limit = (
            f"{self.header_limit} per {self.header_window:g} s"
            if self.header_limit and self.header_window is not None
            else "unknown"
        )
        return (
            f"N={self.n} at {self.rate:g}/s (sent in {self.switch_seconds:.2f} s): {self.route_429} × 429 on the "
            f"delete-reaction route ({self.all_429} in all), old ✅ all gone {self.gone_after_first:.2f} s after the "
            f"first switch ({self.gone_after_last:.2f} s after the last), {self.removals} removals; route limit from "
            f"headers {limit}, floor {self.floor:.2f} s, removals took {self.removals_span:.2f} s "
            f"({self.pace_ratio:.3f}× the floor); DB {self.db_not_going} not_going of {self.db_rows} rows, "
            f"run took {self.wall_seconds:.1f} s — {self.status}"
        )

    def pacing_line(self) -> str:
        if not self.removal_gaps:
            return "  pacing: no gaps measured"
        gaps = sorted(self.removal_gaps)
        return (
            f"  pacing: first removal {self.first_removal_after * 1000:.0f} ms after the first switch; gap between "
            f"removals min {gaps[0] * 1000:.1f} ms, median {statistics.median(gaps) * 1000:.1f} ms, "
            f"max {gaps[-1] * 1000:.1f} ms"
        )


def stale(post: FakeMessage, members: list[FakeUser]) -> int:
    """Members whose ✅ is still on the post."""
    ids = {member.id for member in members}
    return sum(1 for user_id in post.reactions.get(common.GOING, []) if user_id in ids)


async def run_switch(result: Result, workdir: Path, wait_limit: float, removal_limit: float) -> None:
    """Fill ``result`` as the run goes, so a run that times out still shows what it measured."""
    n = result.n
    async with common.announced_meeting(workdir, common.member_names("Medlem", n), wait_limit=wait_limit) as bench:
        emu, bot, post, members = bench.emu, bench.bot, bench.post, bench.members
        await common.react_and_settle(bench, members, wait_limit)
        before = await common.rsvp_counts(bench)
        if before[RsvpState.GOING] != n:
            raise AssertionError(f"{before.total()} RSVPs stored before the switch, not {n} going")
        # Let the reaction bucket of the announcement channel reset before the switch starts.
        await asyncio.sleep(1.0)

        requests_before, limited_before = len(emu.requests), len(emu.rate_limited)
        loop = asyncio.get_running_loop()
        interval = 1.0 / result.rate
        started_loop = loop.time()
        first_sent = time.monotonic()
        for index, member in enumerate(members):
            delay = started_loop + index * interval - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await emu.react(member, post, NOT_GOING)
        last_sent = time.monotonic()
        result.switch_seconds = last_sent - first_sent

        gone = await common.poll(lambda: stale(post, members) == 0, removal_limit)
        if gone is None:
            result.problems.append(
                f"{stale(post, members)} old ✅ still on the post {removal_limit:.0f} s after the last switch"
            )
        else:
            result.gone_after_first = gone - first_sent
            result.gone_after_last = gone - last_sent
        await settle_bot(bot, timeout=max(wait_limit, removal_limit))

        window = emu.requests[requests_before:]
        result.requests = len(window)
        result.requests_by_route = Counter(
            f"{r.route or r.method + ' ' + r.path}{' → 429' if r.status == 429 else ''}" for r in window
        )
        limited = emu.rate_limited[limited_before:]
        result.all_429 = len(limited)
        result.route_429 = sum(1 for r in limited if r.route == REMOVE_ROUTE)
        removals = [r for r in window if r.route == REMOVE_ROUTE and r.status < 300]
        result.removals = len(removals)
        if removals:
            headers = removals[0].response_headers
            if "X-RateLimit-Limit" in headers:
                result.header_limit = int(headers["X-RateLimit-Limit"])
                result.header_window = float(headers["X-RateLimit-Reset-After"])
            # RecordedRequest.time is the emulator's time.monotonic(), the clock used here
            times = sorted(r.time for r in removals)
            result.first_removal_after = times[0] - first_sent
            result.removals_span = times[-1] - times[0]
            result.removal_gaps = [b - a for a, b in itertools.pairwise(times)]

        after = await common.rsvp_counts(bench)
        result.db_rows = after.total()
        result.db_not_going = after[RsvpState.NOT_GOING]
        if result.db_not_going != n or result.db_rows != n:
            result.problems.append(f"database holds {result.db_not_going} not_going of {result.db_rows}")
        if result.removals != n:
            result.problems.append(f"{result.removals} removals for {n} switches")
        kept = {member.id for member in members} & set(post.reactions.get(NOT_GOING, []))
        if len(kept) != n:
            result.problems.append(f"only {len(kept)}/{n} members' ❌ are on the post")
        common.check_emulator(emu, result.problems)


def table(results: list[Result]) -> str:
    rows = [
        "| N | switches/s | 429s (delete-reaction route) | 429s (all) | old ✅ gone after first switch "
        "| … after last switch | removals | route limit (headers) | floor | removals took | × floor "
        "| not_going in DB | result |",
        "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    rows.extend(
        f"| {r.n} | {r.rate:g} | {r.route_429} | {r.all_429} | {r.gone_after_first:.2f} s | {r.gone_after_last:.2f} s "
        f"| {r.removals} | {r.header_limit} per {r.header_window} s | {r.floor:.2f} s | {r.removals_span:.2f} s "
        f"| {r.pace_ratio:.3f} | {r.db_not_going} | {r.status_cell} |"
        for r in results
    )
    return "\n".join(rows)


async def main_async(sizes: list[int], rate: float, wait_limit: float, run_limit: float | None) -> list[Result]:
    results = []
    for n in sizes:
        result = Result(n, rate)
        # The removals cannot go faster than the reaction limit (1 per 0.25 s): room for twice that.
        removal_limit = 30.0 + 0.5 * n
        limit = run_limit if run_limit is not None else n / rate + removal_limit + 4 * wait_limit + 60.0
        run = functools.partial(run_switch, result, wait_limit=wait_limit, removal_limit=removal_limit)
        result.wall_seconds = await common.run_bounded(result, f"answer-change-{n}-", limit, run)
        print(result.line(), flush=True)
        print(result.pacing_line(), flush=True)
        common.print_routes("REST from the first switch until settled", result.requests_by_route)
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = common.new_parser(__doc__)
    common.add_sizes(parser, "members switching", DEFAULT_SIZES)
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE, help="switches per second (default 50)")
    common.add_wait(parser)
    parser.add_argument("--run-timeout", type=float, help="hard limit per N in seconds")
    args = parser.parse_args(argv)
    chosen = common.parse_sizes(parser, args, DEFAULT_SIZES)
    if args.rate <= 0:
        parser.error("--rate must be positive")
    common.configure_logging()
    results = asyncio.run(main_async(chosen, args.rate, args.wait, args.run_timeout))
    return common.finish(results, table(results))


if __name__ == "__main__":
    sys.exit(main())
