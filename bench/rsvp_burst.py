"""RSVP burst benchmark: N members press ✅ on one announcement as fast as the emulator accepts it.

For each N a fresh loopback Discord (tests/fakediscord, Discord-like rate limits on) and the real bot are started,
an organiser creates one meeting, and N different members react ✅ one after the other. Measured:

* reactions/s accepted: N / (first reaction sent → last RSVP row committed by the bot),
* p50 / p99 latency from sending a reaction to the commit of its RSVP row (``db.rsvps.reaction_added`` is wrapped),
* announcement edits, 429 responses and REST requests from the first reaction until the bot settled,
* seconds from the last reaction sent until the announcement shows "Kommer (N)" (polled every 10 ms),
* the database holds N going RSVPs at the end.

Run from the repository root::

    python -m bench.rsvp_burst                   # N = 100 and N = 1000
    python -m bench.rsvp_burst --n 100 --n 250   # any sizes

Everything runs in this one process and event loop (emulator, bot and the simulated members) on 127.0.0.1. Every
wait is bounded; the exit status is 1 if any run ended in a wrong state or timed out.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import math
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from bench import _common as common
from bot.rsvp import RsvpState
from db import rsvps
from tests.e2e.conftest import settle_bot
from tests.fakediscord import FakeMessage

DEFAULT_SIZES = (100, 1000)


@dataclass
class Result(common.Outcome):
    n: int
    send_seconds: float = math.nan  # first reaction sent → last reaction sent
    commit_seconds: float = math.nan  # first reaction sent → last RSVP row committed
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    max_ms: float = math.nan
    service_ms: float = math.nan  # mean time inside one reaction_added call
    edits: int = 0
    rate_limited: int = 0
    requests: int = 0
    requests_by_route: Counter[str] = field(default_factory=Counter)
    visible_after: float = math.nan  # last reaction sent → "Kommer (N)" shown
    db_going: int = -1
    wall_seconds: float = math.nan  # the whole run: emulator, bot start, meeting, burst, checks

    @property
    def accepted_per_second(self) -> float:
        return self.n / self.commit_seconds if self.commit_seconds > 0 else math.nan

    @property
    def sent_per_second(self) -> float:
        return self.n / self.send_seconds if self.send_seconds > 0 else math.nan

    def line(self) -> str:
        return (
            f"N={self.n}: {self.accepted_per_second:.0f} reactions/s accepted "
            f"(sent at {self.sent_per_second:.0f}/s), latency p50 {self.p50_ms:.1f} ms p99 {self.p99_ms:.1f} ms "
            f"max {self.max_ms:.1f} ms (mean {self.service_ms:.2f} ms inside reaction_added), "
            f"{self.edits} announcement edits, {self.rate_limited} × 429 of "
            f"{self.requests} REST requests, final count shown {self.visible_after:.2f} s after the last reaction, "
            f"{self.db_going} going in the database, run took {self.wall_seconds:.1f} s — {self.status}"
        )


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 100 values is the 99th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def shows_going(message: FakeMessage, count: int) -> bool:
    if not message.embeds:
        return False
    return any(f["name"].startswith(f"Kommer ({count})") for f in message.embeds[0].get("fields", []))


class CommitTimer:
    """Wraps ``db.rsvps.reaction_added``: the perf_counter time each user's RSVP transaction returned (committed)."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.committed: dict[int, float] = {}
        self.service: list[float] = []  # seconds spent inside each call (the transaction, incl. waiting for the DB)
        self.all_committed = asyncio.Event()
        self._original = rsvps.reaction_added
        self._signature = inspect.signature(self._original)

    def wrapper(self) -> Callable[..., Awaitable[Any]]:
        original = self._original

        @functools.wraps(original)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            change = await original(*args, **kwargs)
            stamp = time.perf_counter()
            self.service.append(stamp - started)
            user_id = self._signature.bind(*args, **kwargs).arguments["user_id"]
            self.committed.setdefault(user_id, stamp)
            if len(self.committed) >= self.expected:
                self.all_committed.set()
            return change

        return timed


async def run_burst(result: Result, workdir: Path, wait_limit: float) -> None:
    """Fill ``result`` as the run goes, so a run that times out still shows what it measured."""
    n = result.n
    async with common.announced_meeting(workdir, common.member_names("Medlem", n), wait_limit=wait_limit) as bench:
        emu, bot, post = bench.emu, bench.bot, bench.post
        timer = CommitTimer(n)
        sent: dict[int, float] = {}
        edits_before, requests_before = post.edit_count, len(emu.requests)
        limited_before = len(emu.rate_limited)
        with mock.patch.object(rsvps, "reaction_added", timer.wrapper()):
            first_sent = time.perf_counter()
            for member in bench.members:
                sent[member.id] = time.perf_counter()
                await emu.react(member, post, common.GOING)
            last_sent = time.perf_counter()
            result.send_seconds = last_sent - first_sent

            # The announcement is polled from the last reaction on; commits are awaited alongside.
            shown = await common.poll(lambda: shows_going(post, n), wait_limit, clock=time.perf_counter)
            if shown is None:
                result.problems.append(f'announcement never showed "Kommer ({n})" within {wait_limit:.0f} s')
            else:
                result.visible_after = shown - last_sent
            try:
                await asyncio.wait_for(timer.all_committed.wait(), timeout=wait_limit)
            except TimeoutError:
                result.problems.append(f"only {len(timer.committed)}/{n} RSVPs committed")
            await settle_bot(bot, timeout=wait_limit)

        burst_requests = emu.requests[requests_before:]
        result.requests = len(burst_requests)
        result.requests_by_route = Counter(r.route for r in burst_requests)
        result.rate_limited = len(emu.rate_limited) - limited_before
        result.edits = post.edit_count - edits_before

        latencies = [(timer.committed[uid] - sent[uid]) * 1000 for uid in sent if uid in timer.committed]
        if timer.committed:
            result.commit_seconds = max(timer.committed.values()) - first_sent
        result.p50_ms = percentile(latencies, 0.50)
        result.p99_ms = percentile(latencies, 0.99)
        result.max_ms = max(latencies, default=math.nan)
        if timer.service:
            result.service_ms = sum(timer.service) / len(timer.service) * 1000

        counts = await common.rsvp_counts(bench)
        result.db_going = counts[RsvpState.GOING]
        if result.db_going != n or counts.total() != n:
            result.problems.append(f"database holds {result.db_going} going of {counts.total()} RSVPs, not {n}")
        if not shows_going(post, n):
            result.problems.append(f'announcement does not show "Kommer ({n})" at the end')
        common.check_emulator(emu, result.problems)


def table(results: list[Result]) -> str:
    rows = [
        "| N | reactions/s accepted | sent/s | p50 latency | p99 latency | announcement edits | 429s "
        "| REST requests | final count shown after | going in DB | result |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    rows.extend(
        f"| {r.n} | {r.accepted_per_second:.0f} | {r.sent_per_second:.0f} | {r.p50_ms:.1f} ms | {r.p99_ms:.1f} ms "
        f"| {r.edits} | {r.rate_limited} | {r.requests} | {r.visible_after:.2f} s | {r.db_going} "
        f"| {r.status_cell} |"
        for r in results
    )
    return "\n".join(rows)


async def main_async(sizes: list[int], wait_limit: float, run_limit: float) -> list[Result]:
    results = []
    for n in sizes:
        result = Result(n)
        run = functools.partial(run_burst, result, wait_limit=wait_limit)
        result.wall_seconds = await common.run_bounded(result, f"rsvp-burst-{n}-", run_limit, run)
        print(result.line(), flush=True)
        common.print_routes("REST during the burst", result.requests_by_route)
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = common.new_parser(__doc__)
    common.add_sizes(parser, "burst size", DEFAULT_SIZES)
    common.add_wait(parser, "phase")
    parser.add_argument("--run-timeout", type=float, default=300.0, help="hard limit per N in seconds (default 300)")
    args = parser.parse_args(argv)
    chosen = common.parse_sizes(parser, args, DEFAULT_SIZES)
    common.configure_logging()
    results = asyncio.run(main_async(chosen, args.wait, args.run_timeout))
    return common.finish(results, table(results))


if __name__ == "__main__":
    sys.exit(main())
