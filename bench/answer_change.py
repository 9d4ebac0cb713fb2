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

import argparse
import asyncio
import itertools
import logging
import math
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.rsvp import RsvpState
from db import meetings, rsvps
from tests.e2e.conftest import RunningBot, build_server, settle_bot
from tests.fakediscord import FakeDiscord, FakeMessage, FakeUser

GOING, NOT_GOING = "✅", "❌"
DEFAULT_SIZES = (300,)
DEFAULT_RATE = 50.0
REMOVE_ROUTE = "DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}"
POLL_INTERVAL = 0.01


@dataclass
class Result:
    n: int
    rate: float
    ok: bool = False
    problems: list[str] = field(default_factory=list)
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
        status = "OK" if self.ok else "FAILED: " + "; ".join(self.problems)
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
            f"run took {self.wall_seconds:.1f} s — {status}"
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
    return sum(1 for user_id in post.reactions.get(GOING, []) if user_id in ids)


async def poll_until(predicate: object, limit: float) -> float | None:
    """Check ``predicate()`` every 10 ms; the time.monotonic() it first held, or None after ``limit`` seconds."""
    assert callable(predicate)
    deadline = time.monotonic() + limit
    while True:
        now = time.monotonic()
        if predicate():
            return now
        if now >= deadline:
            return None
        await asyncio.sleep(POLL_INTERVAL)


async def run_switch(result: Result, workdir: Path, wait_limit: float, removal_limit: float) -> None:
    """Fill ``result`` as the run goes, so a run that times out still shows what it measured."""
    n = result.n
    async with FakeDiscord() as emu:
        with emu.patch_discord():
            server = build_server(emu, workdir)
            guild, announcements, organiser = server.guild, server.announcements, server.organiser
            members = [emu.add_user(f"Medlem{index:04d}", locale="da") for index in range(n)]
            for member in members:
                guild.add_member(member)
            runner = RunningBot(server)
            try:
                bot = await runner.start()
                created = await emu.run_command(
                    organiser, announcements, "meeting create", options={"date": "1/12", "format": "2.0"}, locale="da"
                )
                if not created.followups or "Oprettet og annonceret" not in created.followups[-1].content:
                    raise AssertionError(f"meeting create did not succeed: {created.content!r}")
                await settle_bot(bot, timeout=wait_limit)
                (post,) = [m for m in emu.channel_messages(announcements) if m.embeds]
                meeting = await meetings.meeting_for_announcement(bot.db, post.id)
                assert meeting is not None, "the announcement is not linked to a meeting"

                for member in members:
                    await emu.react(member, post, GOING)
                await settle_bot(bot, timeout=wait_limit)
                states = await rsvps.states(bot.db, meeting.id)
                if sum(1 for s in states.values() if s is RsvpState.GOING) != n:
                    raise AssertionError(f"{len(states)} RSVPs stored before the switch, not {n} going")
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

                gone = await poll_until(lambda: stale(post, members) == 0, removal_limit)
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

                states = await rsvps.states(bot.db, meeting.id)
                result.db_rows = len(states)
                result.db_not_going = sum(1 for s in states.values() if s is RsvpState.NOT_GOING)
                if result.db_not_going != n or result.db_rows != n:
                    result.problems.append(f"database holds {result.db_not_going} not_going of {result.db_rows}")
                if result.removals != n:
                    result.problems.append(f"{result.removals} removals for {n} switches")
                kept = {member.id for member in members} & set(post.reactions.get(NOT_GOING, []))
                if len(kept) != n:
                    result.problems.append(f"only {len(kept)}/{n} members' ❌ are on the post")
                if emu.unknown_routes or emu.internal_errors:
                    result.problems.append(f"emulator: {emu.unknown_routes + emu.internal_errors}")
            finally:
                await runner.stop()
    result.ok = not result.problems


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
        f"| {r.pace_ratio:.3f} | {r.db_not_going} | {'ok' if r.ok else 'FAILED'} |"
        for r in results
    )
    return "\n".join(rows)


async def main_async(sizes: list[int], rate: float, wait_limit: float, run_limit: float | None) -> list[Result]:
    results = []
    for n in sizes:
        result = Result(n, rate)
        # The removals cannot go faster than the reaction limit (1 per 0.25 s): room for twice that.
        removal_limit = 30.0 + 0.5 * n
        run = run_limit if run_limit is not None else n / rate + removal_limit + 4 * wait_limit + 60.0
        with tempfile.TemporaryDirectory(prefix=f"answer-change-{n}-") as tmp:
            started = time.monotonic()
            try:
                async with asyncio.timeout(run):
                    await run_switch(result, Path(tmp), wait_limit, removal_limit)
            except TimeoutError:
                result.ok = False
                result.problems.append(f"run exceeded {run:g} s")
            except AssertionError as error:
                result.ok = False
                result.problems.append(f"AssertionError: {error}")
            result.wall_seconds = time.monotonic() - started
        print(result.line(), flush=True)
        print(result.pacing_line(), flush=True)
        if result.requests_by_route:
            routes = ", ".join(f"{route} ×{count}" for route, count in result.requests_by_route.most_common())
            print(f"  REST from the first switch until settled: {routes}", flush=True)
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, action="append", help="members switching; repeat for several (default 300)")
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE, help="switches per second (default 50)")
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for each setup phase (default 60)")
    parser.add_argument("--run-timeout", type=float, help="hard limit per N in seconds")
    args = parser.parse_args(argv)
    sizes = args.n or list(DEFAULT_SIZES)
    if any(n < 1 for n in sizes):
        parser.error("--n must be at least 1")
    if args.rate <= 0:
        parser.error("--rate must be positive")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # discord.py warns at every start that voice support is missing; irrelevant here.
    logging.getLogger("discord.client").addFilter(lambda rec: "voice will NOT be supported" not in rec.getMessage())
    results = asyncio.run(main_async(sizes, args.rate, args.wait, args.run_timeout))
    print()
    print(table(results))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
