"""End-to-end fixtures: a loopback Discord with a MikroVirk-like server, and the real bot running against it."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.client import MikroVirkBot
from bot.config import Config, load_config
from tests.clock import FakeClock
from tests.fakediscord import FakeChannel, FakeDiscord, FakeGuild, FakeRole, FakeUser, InteractionResult

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@dataclass
class Server:
    """The emulated MikroVirk server and the people in it."""

    emu: FakeDiscord
    guild: FakeGuild
    announcements: FakeChannel
    organisers_channel: FakeChannel
    organiser_role: FakeRole
    organiser: FakeUser  # has the organiser role, client in Danish
    mette: FakeUser  # a member, client in Danish
    john: FakeUser  # a member, client in American English
    config_path: Path
    clock: FakeClock
    log: io.StringIO = field(default_factory=io.StringIO)

    @property
    def config(self) -> Config:
        return load_config(self.config_path)


def write_config(path: Path, guild: FakeGuild, announcements: int, organisers: int, role: int) -> Path:
    path.write_text(
        f"""
[discord]
guild_id = {guild.id}
announcements_channel_id = {announcements}
organisers_channel_id = {organisers}
organiser_role_id = {role}

[network]
language = "da"

[database]
path = "bot.sqlite3"
""",
        encoding="utf-8",
    )
    return path


def build_server(emu: FakeDiscord, workdir: Path) -> Server:
    """The MikroVirk server in the emulator: channels, the organiser role, three people and a config file."""
    guild = emu.add_guild("MikroVirk")
    announcements = guild.add_text_channel("annonceringer")
    organisers_channel = guild.add_text_channel("styregruppen")
    organiser_role = guild.add_role("Arrangør")
    organiser = emu.add_user("Birgitte", locale="da")
    mette = emu.add_user("Mette", locale="da")
    john = emu.add_user("John", locale="en-US")
    guild.add_member(organiser, roles=[organiser_role])
    guild.add_member(mette)
    guild.add_member(john)
    config_path = write_config(
        workdir / "config.toml", guild, announcements.id, organisers_channel.id, organiser_role.id
    )
    return Server(
        emu=emu,
        guild=guild,
        announcements=announcements,
        organisers_channel=organisers_channel,
        organiser_role=organiser_role,
        organiser=organiser,
        mette=mette,
        john=john,
        config_path=config_path,
        clock=emu_clock(emu, FakeClock(START)),
    )


def emu_clock(emu: FakeDiscord, clock: FakeClock) -> FakeClock:
    """One clock for the bot and the emulator: Discord starts and ends events by the same time the bot sees."""
    emu.clock = clock
    return clock


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    async with FakeDiscord() as emu:
        with emu.patch_discord():
            yield build_server(emu, tmp_path)
            emu.assert_healthy()  # no unknown routes, no emulator errors


class RunningBot:
    """Starts the real bot against the emulator and stops it, gracefully or hard."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.bot: MikroVirkBot | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, config: Config | None = None) -> MikroVirkBot:
        bot = MikroVirkBot(config or self.server.config, clock=self.server.clock, guild_ready_timeout=0.05)
        ready = asyncio.Event()
        bot.add_listener(_set_event(ready), "on_ready")
        self.bot = bot
        _EMULATORS[id(bot)] = self.server.emu
        self._task = asyncio.create_task(bot.start(self.server.emu.token))
        done, _ = await asyncio.wait(
            {self._task, asyncio.create_task(ready.wait())}, timeout=10, return_when="FIRST_COMPLETED"
        )
        if self._task in done:
            self._task.result()  # surfaces the start-up exception
            raise AssertionError("the bot stopped during start-up")
        if not done:
            raise AssertionError("the bot did not become ready within 10 s")
        return bot

    async def stop(self) -> None:
        if self.bot is not None and not self.bot.is_closed():
            await self.bot.close()
        if self._task is not None:
            await asyncio.wait_for(self._task, timeout=10)
        self.bot, self._task = None, None

    async def kill(self) -> None:
        """Stop like a killed process: no graceful close, nothing flushed; only what the OS would close is closed."""
        bot, task = self.bot, self._task
        assert bot is not None and task is not None
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if bot.ws is not None:
            if bot.ws._keep_alive is not None:  # the heartbeat thread dies with the process too
                bot.ws._keep_alive.stop()
            await bot.ws.socket.close(code=4000)
        await bot.http.close()
        for pending in [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and _belongs_to_bot(t)]:
            pending.cancel()
        bot.scheduler.shutdown(wait=False)
        await bot.db.close()
        bot.instance_lock.release()  # the OS releases a dead process's lock
        self.bot, self._task = None, None

    async def restart(self) -> MikroVirkBot:
        await self.stop()
        return await self.start()


# discord.py's names for the tasks running an event handler, a slash command and a component callback.
_HANDLER_TASKS = ("discord.py: ", "CommandTree-invoker", "discord-ui-view-dispatch-")


async def settle_bot(bot: MikroVirkBot, timeout: float = 10, *, edits: bool = True) -> None:  # noqa: ASYNC109
    """Wait until the bot has read every gateway event sent so far, its handlers have finished, and its
    coalesced edits (announcements, vote counts) and background DMs are done: then the emulator shows the bot's
    reaction to everything.
    ``edits=False`` leaves the coalesced announcement edits trailing behind (about one a second), as on Discord."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        ws = bot.ws
        session = next(
            (s for s in _emulator_of(bot).sessions if ws is not None and s.session_id == ws.session_id), None
        )
        if ws is not None and session is not None and (ws.sequence or 0) >= session.seq:
            break
        await asyncio.sleep(0.005)
    while loop.time() < deadline:
        handlers = [t for t in asyncio.all_tasks() if t.get_name().startswith(_HANDLER_TASKS) and not t.done()]
        cog = bot.get_cog("Meetings")
        vote_posts = [votes.posts for name in ("Topics", "Polls") if (votes := bot.get_cog(name)) is not None]  # type: ignore[attr-defined]
        if handlers:
            await asyncio.wait(handlers, timeout=deadline - loop.time())
        elif edits and (bot.tasks.pending or (cog is not None and cog.announcer.edits.pending)):  # type: ignore[attr-defined]
            await cog.drain()  # type: ignore[union-attr]
        elif edits and any(posts.pending for posts in vote_posts):
            await asyncio.gather(*(posts.drain() for posts in vote_posts))
        elif bot.tasks.pending or bot.rounds.busy:
            await asyncio.sleep(0.01)
        else:
            return
    raise AssertionError("the bot did not settle in time")


async def assigned_hot_seat(server: Server, bot: MikroVirkBot, meeting: str = "1") -> InteractionResult:
    """Mette volunteers for the hot seat with /hotseat and the organiser gives it to her; the answer to /hotseat
    (it carries her Withdraw button) is returned."""
    signed = await server.emu.run_command(
        server.mette, server.announcements, "hotseat", options={"kind": "hot_seat", "topic": "Prissætning"}
    )
    await server.emu.run_command(
        server.organiser,
        server.announcements,
        "program assign",
        options={"meeting": meeting, "slot": "hot_seat", "member": server.mette},
    )
    await settle_bot(bot)
    return signed


def _emulator_of(bot: MikroVirkBot) -> FakeDiscord:
    return _EMULATORS[id(bot)]


_EMULATORS: dict[int, FakeDiscord] = {}


def _belongs_to_bot(task: asyncio.Task[object]) -> bool:
    """Background tasks the bot's own code started (named by the cogs), which die with the process."""
    return task.get_name().startswith(("coalesce:", "dm-", "reconcile", "round"))


def _set_event(event: asyncio.Event):  # type: ignore[no-untyped-def]
    async def listener() -> None:
        event.set()

    return listener


@pytest.fixture
async def running(server: Server) -> AsyncIterator[RunningBot]:
    runner = RunningBot(server)
    try:
        yield runner
    finally:
        await runner.stop()
