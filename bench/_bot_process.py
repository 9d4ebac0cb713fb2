"""A bot in its own process, pointed at an emulator in another process: the child half of ``bench.footprint``.

``python -m bench._bot_process --api-base URL --gateway URL mikrovirk --config PATH`` runs the real entry point,
``bot.__main__.main``, exactly as ``python -m bot`` does (token from ``$DISCORD_TOKEN``, JSON logs on stderr); the
only differences are discord.py's REST base and gateway URL, which point at the emulator, like
``FakeDiscord.patch_discord`` does in-process. ``... trivial --guild ID`` runs the reference bot instead: a bare
``commands.Bot`` whose one command, ``/meeting next``, answers at once with a fixed text.

Each milestone is one JSON line on stdout, ``{"mark": name, "at": time.monotonic()}`` (the monotonic clock is
system-wide on Linux, so the parent can subtract its own readings): ``imported``, ``setup_done``, ``gateway_ready``
(discord.py parsed READY and starts waiting for the guilds), ``ready`` (it stopped waiting) and ``network_ready``.
Nothing else is imported or started here, so the process's memory is the bot's own.

The process ends on SIGTERM (the bot's own graceful shutdown) and also when its stdin closes: the parent keeps the
pipe open, so a parent that dies, however it dies, never leaves a bot behind.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any

import discord
import discord.gateway
import discord.http
import discord.state
import yarl
from discord import app_commands
from discord.ext import commands

# The fixed reply of the reference bot; the parent checks it arrived.
TRIVIAL_REPLY = "Next meeting: soon."


def mark(name: str) -> None:
    """One milestone on stdout, at once (the parent reads it as it happens)."""
    sys.stdout.write(json.dumps({"mark": name, "at": time.monotonic()}) + "\n")
    sys.stdout.flush()


def point_at_emulator(api_base: str, gateway_url: str) -> None:
    """What ``FakeDiscord.patch_discord`` does, for this process."""
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def mark_milestones(client_class: type[discord.Client]) -> None:
    """Report READY being parsed and the ``ready`` / ``network_ready`` dispatches, the first time each happens."""
    seen: set[str] = set()

    def once(name: str) -> None:
        if name not in seen:
            seen.add(name)
            mark(name)

    parse_ready = discord.state.ConnectionState.parse_ready

    def timed_parse_ready(self: discord.state.ConnectionState, data: Any) -> None:
        once("gateway_ready")
        parse_ready(self, data)

    discord.state.ConnectionState.parse_ready = timed_parse_ready  # type: ignore[method-assign]

    dispatch = client_class.dispatch

    def timed_dispatch(self: discord.Client, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        if event_name in ("ready", "network_ready"):
            once(event_name)
        dispatch(self, event_name, *args, **kwargs)

    client_class.dispatch = timed_dispatch  # type: ignore[method-assign]

    setup_hook = client_class.setup_hook

    async def timed_setup_hook(self: discord.Client) -> None:
        await setup_hook(self)
        once("setup_done")

    client_class.setup_hook = timed_setup_hook  # type: ignore[method-assign]


def end_with_parent() -> None:
    """SIGTERM ourselves when stdin reaches EOF, i.e. when the parent closed the pipe or died."""

    def watch() -> None:
        # The raw descriptor, not sys.stdin: a daemon thread blocked in a buffered read aborts the interpreter's exit.
        while os.read(0, 4096):
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def run_mikrovirk(config: str) -> int:
    from bot.__main__ import main
    from bot.client import MikroVirkBot

    mark_milestones(MikroVirkBot)
    mark("imported")
    return main(["--config", config])


class TrivialBot(commands.Bot):
    """The least a discord.py bot does to answer ``/meeting next``: reply at once, nothing stored."""

    def __init__(self, guild_id: int) -> None:
        # The real bot's intents, so both receive the same gateway traffic (members are chunked at start).
        intents = discord.Intents(guilds=True, guild_reactions=True, members=True)
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, help_command=None)
        self.guild = discord.Object(guild_id)
        meeting = app_commands.Group(name="meeting", description="Meetings", guild_only=True)

        @meeting.command(name="next", description="The next meeting")
        async def next_meeting(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(TRIVIAL_REPLY, ephemeral=True)

        self.tree.add_command(meeting, guild=self.guild)

    async def setup_hook(self) -> None:
        await self.tree.sync(guild=self.guild)


def run_trivial(guild_id: int) -> int:
    import asyncio

    mark_milestones(TrivialBot)
    mark("imported")
    bot = TrivialBot(guild_id)
    # discord.py sends no network_ready; for the reference bot, ready is the moment it can answer.
    bot.add_listener(_marker("network_ready"), "on_ready")

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, lambda: loop.create_task(bot.close()))
        async with bot:
            await bot.start(os.environ["DISCORD_TOKEN"])

    asyncio.run(run())
    return 0


def _marker(name: str) -> Callable[[], Coroutine[Any, Any, None]]:
    async def listener() -> None:
        mark(name)

    return listener


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--api-base", required=True, help="the emulator's REST base, .../api/v10")
    parser.add_argument("--gateway", required=True, help="the emulator's gateway URL")
    kinds = parser.add_subparsers(dest="kind", required=True)
    kinds.add_parser("mikrovirk").add_argument("--config", required=True)
    kinds.add_parser("trivial").add_argument("--guild", type=int, required=True)
    args = parser.parse_args(argv)
    end_with_parent()
    point_at_emulator(args.api_base, args.gateway)
    if args.kind == "mikrovirk":
        return run_mikrovirk(args.config)
    return run_trivial(args.guild)


if __name__ == "__main__":
    sys.exit(main())
