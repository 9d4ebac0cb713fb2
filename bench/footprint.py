"""Footprint benchmark: the bot's memory after ready, its time to ready, and its /meeting next reply time.

One run, side by side. The loopback Discord emulators (``tests/fakediscord``) and the simulated members run in this
process; each bot runs in a process of its own (``bench/_bot_process.py``), started the way ``python -m bot`` starts,
so its memory and its CPU are its own. Two emulators with identical worlds (a guild with the MikroVirk channels,
role and ``--members`` members, Danish clients) serve two bots:

* **MikroVirk** (``bot.__main__.main``, the real entry point, with discord.py's default ``guild_ready_timeout``) is
  started on a fresh database (the first start: migrations, command sync); an organiser creates a meeting two weeks
  ahead; the bot is stopped with SIGTERM and started again on the same database (a restart, the usual case).
* **reference**: a bare discord.py ``commands.Bot`` with the same intents whose one command, ``/meeting next``,
  answers at once with a fixed text.

Measured, each against a target:

1. **memory**: VmRSS of the bot's process (``/proc/<pid>/status``) at ``network_ready`` and 2 s later, when its
   start-up work (reconciling the announcement) is done, with the anonymous / file-backed split and the peak (VmHWM).
   Target ≤ 60 MiB at both moments.
2. **start to ready**: from spawning the process to ``network_ready``, raw and net of discord.py's own guild wait:
   from parsing READY until discord.py dispatches ``ready`` (it waits ``guild_ready_timeout``, 2 s by default, after
   the last GUILD_CREATE, and for the member chunks). Target: net ≤ 1 s.
3. **reply p99**: every member runs ``/meeting next``, ``--batch`` at a time (one ``gather`` per batch). Latency = the
   emulator creating the interaction → the emulator receiving the bot's callback (the ``RecordedRequest.time`` of
   ``POST /interactions/{id}/{token}/callback``). A round sends every member's command to both bots, their batches
   interleaved (MikroVirk, reference, then reference, MikroVirk, …); one warm-up round (each member's first command
   stores their language), then ``--rounds`` measured rounds. Target: MikroVirk's p99 ≤ 1.2 × the reference's, all
   measured rounds pooled (nearest-rank percentiles). Each bot's CPU time per command is shown beside it.

Run from the repository root::

    python -m bench.footprint
    python -m bench.footprint --rounds 16 --members 300 --batch 50

The exit status is 1 if a target is missed or the run failed. Every bot process is stopped (SIGTERM, then SIGKILL
after 15 s) before the benchmark returns, and a bot whose parent dies stops by itself (its stdin closes).
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import math
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bench import _common as common
from bench._bot_process import TRIVIAL_REPLY
from tests.e2e.conftest import Server, build_server
from tests.fakediscord import FakeDiscord, FakeUser

RSS_TARGET_MIB = 60.0
NET_START_TARGET_SECONDS = 1.0
P99_RATIO_TARGET = 1.2
# How long after network_ready the memory is read: the bot's start-up work (reconciling posts) is done by then.
SETTLE_SECONDS = 2.0
STOP_GRACE_SECONDS = 15.0
CALLBACK_ROUTE = "POST /interactions/{webhook_id}/{webhook_token}/callback"
REPOSITORY = Path(__file__).resolve().parent.parent


# -- a bot in its own process ------------------------------------------------------------------------------------------


@dataclass
class Memory:
    """A process's memory from ``/proc/<pid>/status``, in MiB: resident now (of it anonymous, i.e. the heap, and
    file-backed, i.e. code and shared libraries) and the peak so far."""

    rss: float
    anon: float
    file: float
    peak: float

    def __str__(self) -> str:
        return f"{self.rss:.1f} MiB (anon {self.anon:.1f}, files {self.file:.1f}; peak {self.peak:.1f})"


def process_memory(pid: int) -> Memory:
    kib = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                kib[name] = int(value.split()[0])
    return Memory(kib["VmRSS"] / 1024, kib["RssAnon"] / 1024, kib["RssFile"] / 1024, kib["VmHWM"] / 1024)


@dataclass
class StartTimes:
    """Milestones of one start, in seconds since the process was spawned."""

    marks: dict[str, float]

    @property
    def raw(self) -> float:
        return self.marks["network_ready"]

    @property
    def guild_wait(self) -> float:
        """discord.py's own wait: from parsing READY until it dispatches ``ready``."""
        return self.marks["ready"] - self.marks["gateway_ready"]

    @property
    def net(self) -> float:
        return self.raw - self.guild_wait

    def breakdown(self) -> str:
        steps = [("imported", "imports"), ("setup_done", "login + setup_hook"), ("gateway_ready", "gateway")]
        parts, before = [], 0.0
        for mark, label in steps:
            parts.append(f"{label} {self.marks[mark] - before:.2f} s")
            before = self.marks[mark]
        parts.append(f"guild wait {self.guild_wait:.2f} s")
        parts.append(f"ready → network_ready {self.marks['network_ready'] - self.marks['ready']:.3f} s")
        return ", ".join(parts)


class BotProcess:
    """A bot started with ``python -m bench._bot_process``; its milestones are read from its stdout."""

    def __init__(self, log_path: Path) -> None:
        self.label = "bot"
        self.log_path = log_path
        self.spawned_at = math.nan
        self.marks: dict[str, float] = {}
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._marked = asyncio.Condition()

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    async def start(self, label: str, emu: FakeDiscord, kind_args: Sequence[str]) -> None:
        env = {**os.environ, "DISCORD_TOKEN": emu.token, "PYTHONUNBUFFERED": "1"}
        self.label, self.marks = label, {}
        with self.log_path.open("ab") as log:
            self.spawned_at = time.monotonic()
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench._bot_process",
                "--api-base",
                emu.api_base,
                "--gateway",
                emu.gateway_url,
                *kind_args,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                cwd=REPOSITORY,
                env=env,
            )
        self._reader = asyncio.create_task(self._read_marks(), name=f"marks of {self.label}")

    async def _read_marks(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        async for line in self._proc.stdout:
            record = json.loads(line)
            async with self._marked:
                self.marks[record["mark"]] = record["at"] - self.spawned_at
                self._marked.notify_all()
        async with self._marked:
            self._marked.notify_all()  # the process ended: wake a waiter so it can fail at once

    async def wait_for(self, mark: str, limit: float) -> float:
        """Seconds from spawning to ``mark``; AssertionError if the process ends or ``limit`` passes first."""
        assert self._reader is not None
        try:
            async with asyncio.timeout(limit), self._marked:
                await self._marked.wait_for(lambda: mark in self.marks or self._reader is None or self._reader.done())
        except TimeoutError:
            raise AssertionError(f"{self.label}: no {mark} within {limit:g} s; see {self.log_path}") from None
        if mark not in self.marks:
            raise AssertionError(f"{self.label} ended before {mark}: {self.log_tail()}")
        return self.marks[mark]

    def start_times(self) -> StartTimes:
        return StartTimes(dict(self.marks))

    def memory(self) -> Memory:
        return process_memory(self.pid)

    def cpu_seconds(self) -> float:
        """User and system CPU time the process has used so far (all its threads)."""
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def log_tail(self, lines: int = 5) -> str:
        try:
            return " | ".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    async def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after the grace; the exit code (negative: killed by that signal)."""
        proc = self._proc
        if proc is None:
            return None
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), STOP_GRACE_SECONDS)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if proc.stdin is not None:
            proc.stdin.close()
        if self._reader is not None:
            await self._reader
        self._proc, self._reader = None, None
        return proc.returncode


# -- the workload ---------------------------------------------------------------------------------------------------


@dataclass
class World:
    """One emulator and its server, with the members who run the command."""

    emu: FakeDiscord
    server: Server
    members: list[FakeUser]


def build_world(emu: FakeDiscord, workdir: Path, members: int) -> World:
    workdir.mkdir()
    server = build_server(emu, workdir)
    people = [emu.add_user(name, locale="da") for name in common.member_names("Medlem", members)]
    for person in people:
        server.guild.add_member(person)
    return World(emu, server, people)


def callback_times(world: World, since: int) -> dict[int, float]:
    """When the emulator received each successful interaction callback, by interaction id, from request ``since``."""
    times = {}
    for request in world.emu.requests[since:]:
        if request.route == CALLBACK_ROUTE and request.status < 300:
            times[int(request.path.split("/")[2])] = request.time
    return times


async def command_batch(world: World, members: Sequence[FakeUser], expect_embed: bool) -> list[float]:
    """``members`` run ``/meeting next`` at once; each reply's latency in ms."""
    since = len(world.emu.requests)
    results = await asyncio.gather(
        *(world.emu.run_command(member, world.server.announcements, "meeting next", locale="da") for member in members)
    )
    for result in results:
        right = bool(result.embeds) if expect_embed else result.content == TRIVIAL_REPLY
        if result.response_type != 4 or not result.ephemeral or not right:
            raise AssertionError(f"unexpected reply to /meeting next: {result.response_type} {result.content!r}")
    received = callback_times(world, since)
    return [(received[r.interaction.id] - r.interaction.created) * 1000 for r in results]


async def paired_round(ours: World, theirs: World, batch: int) -> tuple[list[float], list[float]]:
    """Every member runs ``/meeting next`` on both bots, ``batch`` at a time; each bot's latencies in ms.

    The two bots' batches alternate (ours, theirs, then theirs, ours, …), so a busy moment on the machine lands on
    both. This process's garbage collector is off during the round: the emulators keep every request, message and
    interaction, so a full collection here takes tens of milliseconds late in the run and would land on whichever
    bot happens to be measured. The bots' own collectors run as usual.
    """
    latencies: tuple[list[float], list[float]] = ([], [])
    gc.collect()
    gc.disable()
    try:
        for index, start in enumerate(range(0, len(ours.members), batch)):
            turns = [(ours, True, latencies[0]), (theirs, False, latencies[1])]
            for world, expect_embed, into in turns[:: -1 if index % 2 else 1]:
                into.extend(await command_batch(world, world.members[start : start + batch], expect_embed))
    finally:
        gc.enable()
    return latencies


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 100 values is the 99th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def spread(latencies: Sequence[float]) -> str:
    return f"{percentile(latencies, 0.5):.1f} / {percentile(latencies, 0.99):.1f} ms"


# -- one run --------------------------------------------------------------------------------------------------------


@dataclass
class Start:
    """One start of a bot: its milestones and its memory."""

    label: str
    times: StartTimes
    at_ready: Memory
    settled: Memory

    def line(self) -> str:
        return (
            f"{self.label}: ready {self.times.raw:.2f} s after spawn, {self.times.net:.2f} s net of discord.py's "
            f"guild wait ({self.times.breakdown()}); memory at network_ready {self.at_ready}, "
            f"{SETTLE_SECONDS:g} s later {self.settled}"
        )


@dataclass
class Result(common.Outcome):
    starts: list[Start] = field(default_factory=list)
    mikrovirk_ms: list[float] = field(default_factory=list)
    reference_ms: list[float] = field(default_factory=list)
    round_p99s: list[tuple[float, float]] = field(default_factory=list)  # (MikroVirk, reference) per round
    after_commands: dict[str, Memory] = field(default_factory=dict)
    cpu_ms_per_command: dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return percentile(self.mikrovirk_ms, 0.99) / percentile(self.reference_ms, 0.99)

    def mikrovirk_starts(self) -> list[Start]:
        return [start for start in self.starts if start.label.startswith("MikroVirk")]

    @property
    def complete(self) -> bool:
        """Both MikroVirk starts and the commands were measured."""
        return len(self.mikrovirk_starts()) == 2 and bool(self.mikrovirk_ms and self.reference_ms)


async def start_bot(bot: BotProcess, label: str, world: World, kind_args: Sequence[str], wait_limit: float) -> Start:
    """Start ``bot`` and wait for ``network_ready``; its milestones and its memory then and once settled."""
    await bot.start(label, world.emu, kind_args)
    await bot.wait_for("network_ready", wait_limit)
    at_ready = bot.memory()
    await asyncio.sleep(SETTLE_SECONDS)
    return Start(bot.label, bot.start_times(), at_ready, bot.memory())


async def create_meeting(world: World, wait_limit: float) -> None:
    """The organiser creates a meeting two weeks ahead (the bot runs on the real clock), and it is announced."""
    day = date.today() + timedelta(days=14)
    server = world.server
    created = await world.emu.run_command(
        server.organiser,
        server.announcements,
        "meeting create",
        options={"date": f"{day.day}/{day.month}/{day.year}", "format": "2.0"},
        locale="da",
        timeout=wait_limit,
    )
    if not created.followups or "Oprettet og annonceret" not in created.followups[-1].content:
        raise AssertionError(f"meeting create did not succeed: {created.content!r}")


async def run_footprint(result: Result, workdir: Path, args: Options) -> None:
    async with FakeDiscord() as emu_a, FakeDiscord() as emu_b:
        mikrovirk = build_world(emu_a, workdir / "mikrovirk", args.members)
        reference = build_world(emu_b, workdir / "reference", args.members)
        config = ["mikrovirk", "--config", str(mikrovirk.server.config_path)]
        bots = [BotProcess(workdir / "mikrovirk.log"), BotProcess(workdir / "reference.log")]
        mikrovirk_bot, reference_bot = bots
        try:
            result.starts.append(await start_bot(mikrovirk_bot, "MikroVirk, first start", mikrovirk, config, args.wait))
            print(result.starts[-1].line(), flush=True)
            await create_meeting(mikrovirk, args.wait)
            code = await mikrovirk_bot.stop()
            if code != 0:
                result.problems.append(f"MikroVirk exited with {code} on SIGTERM: {mikrovirk_bot.log_tail()}")
            result.starts.append(await start_bot(mikrovirk_bot, "MikroVirk, restart", mikrovirk, config, args.wait))
            print(result.starts[-1].line(), flush=True)
            guild = ["trivial", "--guild", str(reference.server.guild.id)]
            result.starts.append(await start_bot(reference_bot, "reference", reference, guild, args.wait))
            print(result.starts[-1].line(), flush=True)

            # A warm-up round: each member's first command stores their language (a write, once per member).
            await paired_round(mikrovirk, reference, args.batch)
            cpu_before = [bot.cpu_seconds() for bot in bots]
            for number in range(1, args.rounds + 1):
                ours, theirs = await paired_round(mikrovirk, reference, args.batch)
                result.mikrovirk_ms.extend(ours)
                result.reference_ms.extend(theirs)
                result.round_p99s.append((percentile(ours, 0.99), percentile(theirs, 0.99)))
                print(f"  round {number}: p50 / p99 MikroVirk {spread(ours)}, reference {spread(theirs)}", flush=True)
            commands = args.rounds * args.members
            for bot, before in zip(bots, cpu_before, strict=True):
                result.cpu_ms_per_command[bot.label] = (bot.cpu_seconds() - before) / commands * 1000
                result.after_commands[bot.label] = bot.memory()
        finally:
            for bot in bots:
                code = await bot.stop()
                if code not in (0, None):
                    result.problems.append(f"{bot.label} exited with {code}: {bot.log_tail()}")
        common.check_emulator(emu_a, result.problems)
        common.check_emulator(emu_b, result.problems)


# -- report ---------------------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def targets(result: Result) -> list[tuple[str, str, str, bool]]:
    """(target, measured, goal, met) for the table."""
    rows = []
    for start in result.mikrovirk_starts():
        which = start.label.removeprefix("MikroVirk, ")
        rows.append(
            (
                f"RSS after ready ({which})",
                f"{start.settled.rss:.1f} MiB {SETTLE_SECONDS:g} s after network_ready, {start.at_ready.rss:.1f} at it;"
                f" peak {start.settled.peak:.1f}",
                f"≤ {RSS_TARGET_MIB:g} MiB",
                max(start.settled.rss, start.at_ready.rss) <= RSS_TARGET_MIB,
            )
        )
    for start in result.mikrovirk_starts():
        times = start.times
        rows.append(
            (
                f"start to ready ({start.label.removeprefix('MikroVirk, ')})",
                f"{times.net:.2f} s net (raw {times.raw:.2f} s, guild wait {times.guild_wait:.2f} s)",
                f"≤ {NET_START_TARGET_SECONDS:g} s net",
                times.net <= NET_START_TARGET_SECONDS,
            )
        )
    if result.mikrovirk_ms and result.reference_ms:
        ours, theirs = result.mikrovirk_ms, result.reference_ms
        rows.append(
            (
                "/meeting next p99 vs reference",
                f"{result.ratio:.2f}× (p50 / p99: MikroVirk {spread(ours)}, reference {spread(theirs)};"
                f" {len(ours)} replies each)",
                f"≤ {P99_RATIO_TARGET:g}×",
                result.ratio <= P99_RATIO_TARGET,
            )
        )
    return rows


def table(result: Result) -> str:
    rows = ["| target | measured | goal | result |", "|---|---|---|---|"]
    rows.extend(f"| {name} | {measured} | {goal} | {verdict(met)} |" for name, measured, goal, met in targets(result))
    return "\n".join(rows)


class Options:
    """The command line, typed."""

    members: int
    batch: int
    rounds: int
    wait: float
    run_timeout: float


def main(argv: list[str] | None = None) -> int:
    parser = common.new_parser(__doc__)
    parser.add_argument("--members", type=int, default=300, help="members who run /meeting next (default 300)")
    parser.add_argument("--batch", type=int, default=50, help="commands sent at once (default 50)")
    parser.add_argument("--rounds", type=int, default=12, help="measured rounds (default 12)")
    common.add_wait(parser, "start and the meeting's creation")
    parser.add_argument("--run-timeout", type=float, default=300.0, help="hard limit in seconds (default 300)")
    args = parser.parse_args(argv, namespace=Options())
    if min(args.members, args.batch, args.rounds) < 1:
        parser.error("--members, --batch and --rounds must be at least 1")
    common.configure_logging()
    result = Result()
    run = functools.partial(run_footprint, result, args=args)
    wall = asyncio.run(common.run_bounded(result, "footprint-", args.run_timeout, run))
    if result.round_p99s:
        ratios = sorted(ours / theirs for ours, theirs in result.round_p99s)
        print(f"  p99 ratio per round (sorted): {', '.join(f'{ratio:.2f}' for ratio in ratios)}")
    for label, memory in result.after_commands.items():
        cpu = result.cpu_ms_per_command[label]
        print(f"  {label}: {cpu:.2f} ms CPU per command (all threads); memory after the commands {memory}")
    met = result.complete and all(ok for *_, ok in targets(result))
    print(f"run took {wall:.1f} s — {result.status}; targets {'met' if met else 'NOT met'}")
    return common.finish([result], table(result)) or (0 if met else 1)


if __name__ == "__main__":
    sys.exit(main())
