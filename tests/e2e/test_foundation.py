"""The foundation end to end: login, command sync, languages, gateway drops, the error path, exit codes."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from datetime import timedelta

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.__main__ import run_bot, run_status
from bot.checks import organiser_only
from bot.client import MikroVirkBot
from bot.logs import configure_logging
from bot.meetings import MeetingFormat
from db import meetings, members
from db.database import Connection, Database
from db.lock import DatabaseLock, lock_path
from tests.e2e.conftest import RunningBot, Server, settle_bot


async def seed_meeting(server: Server, days_ahead: int = 5) -> meetings.Meeting:
    config = server.config
    db = Database(config.database.path)
    await db.open()
    try:
        await db.migrate()
        return await meetings.create_meeting(
            db,
            meetings.NewMeeting(
                guild_id=server.guild.id,
                starts_at=server.clock() + timedelta(days=days_ahead),
                timezone=config.network.timezone,
                format=MeetingFormat.GROWTH,
                venue="Møn Bibliotek",
                topic="Salg på sociale medier",
                speaker="Anne Hansen",
                created_by=server.organiser.id,
            ),
            server.clock(),
        )
    finally:
        await db.close()


async def test_logs_in_and_syncs_commands_once_across_restarts(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    assert bot.user is not None and bot.user.id == server.emu.bot_user.id
    assert server.emu.command_sync_count == 1
    synced = {command["name"]: command for command in server.emu.synced_commands(server.guild)}
    assert "meeting" in synced
    meeting = synced["meeting"]
    assert meeting.get("default_member_permissions") is None, "organiser commands must stay visible"
    next_command = next(option for option in meeting["options"] if option["name"] == "next")
    assert next_command["description"] == "Show the next meeting"
    assert next_command["description_localizations"]["da"] == "Vis det næste møde"

    await running.restart()
    assert server.emu.command_sync_count == 1, "an unchanged tree must not be synced again"
    assert not server.emu.unknown_routes


@contextmanager
def extra_cog(cog_factory: Callable[[], commands.Cog]) -> Iterator[None]:
    """Starts made inside the block load one more cog before the bot's own setup (and thus before the sync)."""
    original_setup = MikroVirkBot.setup_hook

    async def setup_with_cog(self: MikroVirkBot) -> None:
        await self.add_cog(cog_factory())
        await original_setup(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MikroVirkBot, "setup_hook", setup_with_cog)
        yield


class Extra(commands.Cog):
    @app_commands.command(name="extra", description="An extra command")
    async def extra(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("extra")


async def test_changed_tree_is_synced_again(server: Server, running: RunningBot) -> None:
    await running.start()
    await running.stop()
    with extra_cog(Extra):
        await running.start()
    assert server.emu.command_sync_count == 2
    assert "extra" in {command["name"] for command in server.emu.synced_commands(server.guild)}


async def test_meeting_next_answers_in_the_members_language(server: Server, running: RunningBot) -> None:
    await running.start()
    danish = await server.emu.run_command(server.mette, server.announcements, "meeting next", locale="da")
    assert danish.ephemeral
    assert "Der er ikke planlagt noget møde" in danish.content
    english = await server.emu.run_command(server.john, server.announcements, "meeting next", locale="en-US")
    assert english.ephemeral
    assert "No meeting is planned yet" in english.content
    british = await server.emu.run_command(server.john, server.announcements, "meeting next", locale="en-GB")
    assert "No meeting is planned yet" in british.content


async def test_a_command_stores_the_language_only_when_it_changed(
    server: Server, running: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await running.start()
    await settle_bot(bot)  # the start-up work's own writes are done
    guild, john = server.guild.id, server.john.id
    writes = 0
    transaction = bot.db.transaction

    def counting_transaction() -> AbstractAsyncContextManager[Connection]:
        nonlocal writes
        writes += 1
        return transaction()

    monkeypatch.setattr(bot.db, "transaction", counting_transaction)
    await server.emu.run_command(server.john, server.announcements, "meeting next", locale="en-US")
    assert (writes, await members.member_language(bot.db, guild, john)) == (1, "en")
    for locale in ("en-US", "en-GB"):  # both are English: nothing to write, not even a no-op transaction
        await server.emu.run_command(server.john, server.announcements, "meeting next", locale=locale)
    assert writes == 1
    await server.emu.run_command(server.john, server.announcements, "meeting next", locale="da")
    assert (writes, await members.languages(bot.db, guild, [john])) == (2, {john: "da"})  # later DMs: Danish


async def test_meeting_next_shows_the_meeting(server: Server, running: RunningBot) -> None:
    meeting = await seed_meeting(server)
    await running.start()
    danish = await server.emu.run_command(server.mette, server.announcements, "meeting next", locale="da")
    (embed,) = danish.embeds
    assert embed["title"] == "2.0 — vækst · tirsdag 1. december 2026"
    assert f"<t:{int(meeting.starts_at.timestamp())}:F>" in embed["description"]
    assert {"name": "Oplæg", "value": "Salg på sociale medier — ved Anne Hansen", "inline": False} in embed["fields"]
    english = await server.emu.run_command(server.john, server.announcements, "meeting next", locale="en-US")
    assert english.embeds[0]["title"] == "2.0 — growth · Tuesday 1 December 2026"


async def test_survives_a_gateway_drop(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    identifies = server.emu.identify_count
    await server.emu.drop_gateway()
    await server.emu.wait_for(lambda: server.emu.resume_count >= 1, timeout=10)
    result = await server.emu.run_command(server.john, server.announcements, "meeting next", locale="en-US")
    assert "No meeting is planned yet" in result.content
    assert server.emu.identify_count == identifies, "the bot resumed instead of identifying again"
    assert not bot.is_closed()


class Probe(commands.Cog):
    """Commands that exercise the one error path."""

    @app_commands.command(name="boom", description="Fails unexpectedly")
    async def boom(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("database on fire")

    @app_commands.command(name="organise", description="Organisers only")
    @organiser_only()
    async def organise(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("organised", ephemeral=True)


async def test_errors_get_a_polite_ephemeral_answer(
    server: Server, running: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    with extra_cog(Probe):
        await running.start()
    with caplog.at_level(logging.ERROR, logger="bot.client"):
        boom = await server.emu.run_command(server.mette, server.announcements, "boom", locale="da")
    assert boom.ephemeral and "Beklager, noget gik galt" in boom.content
    assert "database on fire" not in boom.content
    assert any("command failed" in record.getMessage() for record in caplog.records)

    refused = await server.emu.run_command(server.john, server.announcements, "organise", locale="en-US")
    assert refused.ephemeral and refused.content.startswith("Only organisers can do that.")
    allowed = await server.emu.run_command(server.organiser, server.announcements, "organise", locale="da")
    assert allowed.content == "organised"


@pytest.mark.parametrize("key", ["announcements_channel_id", "organisers_channel_id", "organiser_role_id", "guild_id"])
async def test_missing_channel_or_role_is_exit_code_2_naming_the_key(
    server: Server, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = server.config
    config = dataclasses.replace(config, discord=dataclasses.replace(config.discord, **{key: 999_999}))
    code = await run_bot(config, server.emu.token, guild_ready_timeout=0.05)
    assert code == 2
    err = capsys.readouterr().err
    assert f"'discord.{key}'" in err and "Traceback" not in err


async def test_rejected_token_is_exit_code_2(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    code = await run_bot(server.config, "MTA.wrong.token", guild_ready_timeout=0.05)
    assert code == 2
    assert "'DISCORD_TOKEN'" in capsys.readouterr().err


async def test_logs_are_json_lines_without_the_token(server: Server, running: RunningBot) -> None:
    configure_logging(secrets=[server.emu.token], stream=server.log)
    try:
        logging.getLogger("bot.test").info("token is %s", server.emu.token)
        await running.start()
        await server.emu.run_command(server.mette, server.announcements, "meeting next", locale="da")
        await running.stop()
    finally:
        logging.getLogger().handlers.clear()
    lines = server.log.getvalue().splitlines()
    assert len(lines) >= 4
    events = [json.loads(line) for line in lines]
    assert {"commands synced", "ready", "stopped"} <= {event["event"] for event in events}
    assert server.emu.token not in server.log.getvalue()


async def test_a_second_bot_on_the_same_database_stops_with_exit_2(
    server: Server, running: RunningBot, capsys: pytest.CaptureFixture[str]
) -> None:
    await running.start()
    code = await run_bot(server.config, server.emu.token, clock=server.clock, guild_ready_timeout=0.05)
    assert code == 2
    problem = capsys.readouterr().err
    assert "database.path" in problem and "already running" in problem and str(os.getpid()) in problem
    served = await server.emu.run_command(server.mette, server.announcements, "meeting next")
    assert served.ephemeral  # the first bot keeps serving
    await running.stop()
    assert lock_path(server.config.database.path).exists()
    lock = DatabaseLock(server.config.database.path)
    lock.acquire()  # free again once the first bot stopped (raises DatabaseInUse otherwise)
    lock.release()


async def test_status_tells_a_running_bot_from_a_stopped_one(
    server: Server, running: RunningBot, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_status(server.config, server.clock()) == 1  # no database yet
    bot = await running.start()
    await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": "1/12", "format": "2.0"}
    )
    await settle_bot(bot)
    capsys.readouterr()
    assert run_status(server.config, server.clock()) == 0
    report = capsys.readouterr().out
    assert f"Running: process {os.getpid()}" in report and "integrity ok" in report
    assert "Meetings: 1 coming of 1" in report and "reminder 1d" in report
    server.clock.advance(timedelta(minutes=10))  # a bot whose loop hangs stops beating
    assert run_status(server.config, server.clock()) == 1
    assert "silent" in capsys.readouterr().out
    await running.stop()
    assert run_status(server.config, server.clock()) == 1
    assert "Not running" in capsys.readouterr().out
