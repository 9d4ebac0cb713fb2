"""Shared pieces of the benchmarks: the run loop, the emulated server with one announced meeting, and the CLI.

Private to ``bench``; each benchmark module keeps its own measurements, result line and table.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.client import MikroVirkBot
from bot.rounds import Round, RoundKind
from bot.rsvp import RsvpState
from db import meetings, rounds, rsvps
from tests.e2e.conftest import RunningBot, Server, build_server, settle_bot
from tests.fakediscord import FakeChannel, FakeDiscord, FakeMessage, FakeUser, RateLimitConfig, RecordedRequest

GOING = "✅"
REMINDER_KEY = (RoundKind.REMINDER, "1d")
# The default meeting: 1 December 2026 17:30 Copenhagen = 16:30 UTC; "1 day before" is 30 November 16:30 UTC.
DAY_BEFORE = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
DM_CREATE_ROUTE = "POST /users/@me/channels"
MESSAGE_ROUTE = "POST /channels/{channel_id}/messages"


# -- one run -----------------------------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Outcome:
    """Whether one run ended in the right state, and what was wrong if not."""

    ok: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``OK``, or ``FAILED:`` and the problems, for the end of a result line."""
        return "OK" if self.ok else "FAILED: " + "; ".join(self.problems)

    @property
    def status_cell(self) -> str:
        """``ok`` or ``FAILED``, for the last column of a table."""
        return "ok" if self.ok else "FAILED"


async def run_bounded(outcome: Outcome, prefix: str, limit: float, body: Callable[[Path], Awaitable[None]]) -> float:
    """Await ``body`` in a fresh temporary folder within ``limit`` seconds; the wall time in seconds.

    A timeout or a failed assertion is recorded as a problem of ``outcome`` instead of ending the benchmark; the run
    is ok if it recorded no problem.
    """
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        started = time.monotonic()
        try:
            async with asyncio.timeout(limit):
                await body(Path(tmp))
        except TimeoutError:
            outcome.problems.append(f"run exceeded {limit:g} s")
        except AssertionError as error:
            outcome.problems.append(f"AssertionError: {error}")
        outcome.ok = not outcome.problems
        return time.monotonic() - started


async def poll(
    predicate: Callable[[], bool], limit: float, clock: Callable[[], float] = time.monotonic
) -> float | None:
    """Check ``predicate`` every 10 ms; the ``clock()`` time it first held, or None after ``limit`` seconds."""
    deadline = clock() + limit
    while True:
        now = clock()
        if predicate():
            return now
        if now >= deadline:
            return None
        await asyncio.sleep(0.01)


def print_routes(label: str, by_route: Counter[str]) -> None:
    """Print ``  label: route ×count, …``, most frequent first; nothing if there were no requests."""
    if by_route:
        routes = ", ".join(f"{route} ×{count}" for route, count in by_route.most_common())
        print(f"  {label}: {routes}", flush=True)


# -- the emulated server with one announced meeting --------------------------------------------------------------------


@dataclass
class MeetingBench:
    """The running bot, the members added for the benchmark and the announcement of the one meeting."""

    emu: FakeDiscord
    server: Server
    bot: MikroVirkBot
    members: list[FakeUser]
    post: FakeMessage
    meeting_id: int


def member_names(prefix: str, count: int) -> list[str]:
    """``count`` user names: ``prefix`` and a four-digit index."""
    return [f"{prefix}{index:04d}" for index in range(count)]


@asynccontextmanager
async def announced_meeting(
    workdir: Path,
    names: Sequence[str],
    *,
    wait_limit: float,
    rate_limits: bool | RateLimitConfig = True,
    capacity: int | None = None,
    extra_config: str = "",
) -> AsyncIterator[MeetingBench]:
    """A fresh emulator and bot in ``workdir`` with one meeting on 1/12 announced; the bot is stopped on exit.

    The members (Danish clients, one per name) join the guild before the bot starts, so there are no member_join
    events. The organiser runs ``/meeting create`` and the bot settles before the meeting is handed over.
    """
    async with FakeDiscord(rate_limits=rate_limits) as emu:
        with emu.patch_discord():
            server = build_server(emu, workdir)
            if extra_config:
                with server.config_path.open("a", encoding="utf-8") as config:
                    config.write(extra_config)
            members = [emu.add_user(name, locale="da") for name in names]
            for member in members:
                server.guild.add_member(member)
            runner = RunningBot(server)
            try:
                bot = await runner.start()
                options: dict[str, str | int] = {"date": "1/12", "format": "2.0"}
                if capacity is not None:
                    options["capacity"] = capacity
                created = await emu.run_command(
                    server.organiser, server.announcements, "meeting create", options=options, locale="da"
                )
                if not created.followups or "Oprettet og annonceret" not in created.followups[-1].content:
                    raise AssertionError(f"meeting create did not succeed: {created.content!r}")
                await settle_bot(bot, timeout=wait_limit)
                (post,) = [m for m in emu.channel_messages(server.announcements) if m.embeds]
                meeting = await meetings.meeting_for_announcement(bot.db, post.id)
                assert meeting is not None, "the announcement is not linked to a meeting"
                yield MeetingBench(emu, server, bot, members, post, meeting.id)
            finally:
                await runner.stop()


async def react_and_settle(bench: MeetingBench, members: Iterable[FakeUser], settle_timeout: float) -> None:
    """Each member reacts ✅ on the announcement, one after the other; then the bot settles."""
    for member in members:
        await bench.emu.react(member, bench.post, GOING)
    await settle_bot(bench.bot, timeout=settle_timeout)


async def rsvp_counts(bench: MeetingBench) -> Counter[RsvpState]:
    """The meeting's stored RSVPs, counted by state."""
    return Counter((await rsvps.states(bench.bot.db, bench.meeting_id)).values())


async def rounds_by_key(bench: MeetingBench) -> dict[tuple[RoundKind, str], Round]:
    """The meeting's round rows by (kind, subject)."""
    return {(r.kind, r.subject): r for r in await rounds.for_meeting(bench.bot.db, bench.meeting_id)}


def check_emulator(emu: FakeDiscord, problems: list[str]) -> None:
    """Add a problem if the emulator saw an unknown route or failed internally."""
    if emu.unknown_routes or emu.internal_errors:
        problems.append(f"emulator: {emu.unknown_routes + emu.internal_errors}")


# -- what the emulator recorded ----------------------------------------------------------------------------------------


def route_counts(requests: Iterable[RecordedRequest]) -> Counter[str]:
    """Requests by route (method and path where the route is unknown)."""
    return Counter(r.route or f"{r.method} {r.path}" for r in requests)


def accepted(requests: Iterable[RecordedRequest], route: str) -> int:
    """How many of ``requests`` on ``route`` succeeded."""
    return sum(1 for r in requests if r.route == route and r.status < 300)


def dm_post_times(emu: FakeDiscord, requests: Iterable[RecordedRequest], users: Iterable[FakeUser]) -> list[float]:
    """When the emulator accepted each message to one of ``users``' DM channels, in order."""
    channel_ids = {channel.id for user in users if (channel := emu.dm_channel(user)) is not None}
    return sorted(
        r.time
        for r in requests
        if r.route == MESSAGE_ROUTE
        and r.status < 300
        and isinstance(r.response, dict)
        and int(r.response.get("channel_id", 0)) in channel_ids
    )


def is_reminder(message: FakeMessage) -> bool:
    """Whether a DM is a reminder (Danish or English)."""
    return "Påmindelse" in message.content or "Reminder" in message.content


def reminder_cards(emu: FakeDiscord, channel: FakeChannel) -> list[FakeMessage]:
    """The reminder cards the bot posted in ``channel``."""
    return [m for m in emu.channel_messages(channel) if m.embeds and "Påmindelse" in (m.embeds[0].get("title") or "")]


# -- command line ------------------------------------------------------------------------------------------------------


def new_parser(doc: str | None) -> argparse.ArgumentParser:
    """A parser described by the first line of the benchmark's docstring."""
    return argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)


def add_sizes(parser: argparse.ArgumentParser, what: str, defaults: Sequence[int]) -> None:
    """``--n``, repeatable: the sizes to run."""
    default = " and ".join(str(n) for n in defaults)
    parser.add_argument("--n", type=int, action="append", help=f"{what}; repeat for several (default {default})")


def parse_sizes(parser: argparse.ArgumentParser, args: argparse.Namespace, defaults: Sequence[int]) -> list[int]:
    """The sizes given with ``--n``, or ``defaults``; exits with a usage error if one is below 1."""
    chosen: list[int] = args.n or list(defaults)
    if any(n < 1 for n in chosen):
        parser.error("--n must be at least 1")
    return chosen


def add_wait(parser: argparse.ArgumentParser, phase: str = "setup phase") -> None:
    """``--wait``: seconds to wait for each phase (default 60)."""
    parser.add_argument("--wait", type=float, default=60.0, help=f"seconds to wait for each {phase} (default 60)")


def configure_logging() -> None:
    """Warnings and errors on the console."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # discord.py warns at every start that voice support is missing; irrelevant here.
    logging.getLogger("discord.client").addFilter(lambda rec: "voice will NOT be supported" not in rec.getMessage())


def finish(outcomes: Sequence[Outcome], table: str) -> int:
    """Print the table after a blank line; the exit status: 0 if every run was ok, else 1."""
    print()
    print(table)
    return 0 if all(outcome.ok for outcome in outcomes) else 1
