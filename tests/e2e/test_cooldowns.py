"""Limits on what one member can set off: /suggest and /hotseat post publicly or tell the organisers, so each member
waits a while between two that went through; /meeting remind sends one extra reminder per meeting an hour."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.rounds import RoundKind
from db import rounds
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.fakediscord import FakeMessage


async def create(server: Server, date: str, format: str) -> FakeMessage:
    result = await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": date, "format": format}
    )
    assert "Oprettet og annonceret" in result.followups[-1].content, result.followups[-1].content
    return [m for m in server.emu.channel_messages(server.announcements) if m.embeds][-1]


def topic_posts(server: Server) -> list[FakeMessage]:
    return [m for m in server.emu.channel_messages(server.announcements) if "Emneforslag fra" in m.content]


def volunteer_notices(server: Server) -> list[str]:
    return [m.content for m in server.emu.channel_messages(server.organisers_channel) if "Ny frivillig" in m.content]


async def suggest(server: Server, topic: str, **kwargs: Any) -> Any:
    return await server.emu.run_command(server.john, server.announcements, "suggest", {"topic": topic}, **kwargs)


async def test_suggest_waits_between_two_posts_and_a_refused_one_costs_nothing(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    blank = await suggest(server, "   ", locale="en-US")
    assert "Easy now" not in blank.content
    first = await suggest(server, "Moms for begyndere", locale="en-US")
    assert "Easy now" not in first.content
    again = await suggest(server, "Moms igen", locale="en-US")
    assert again.ephemeral and again.content.startswith("Easy now: try again in")
    danish = await server.emu.run_command(server.mette, server.announcements, "suggest", {"topic": "Netværk"})
    assert "Rolig nu" not in danish.content  # the limit is per member
    await settle_bot(bot)
    assert len(topic_posts(server)) == 2

    server.clock.advance(timedelta(minutes=5))
    later = await suggest(server, "Moms igen", locale="en-US")
    assert "Easy now" not in later.content
    await settle_bot(bot)
    assert len(topic_posts(server)) == 3


async def test_hotseat_waits_between_two_notices_to_the_organisers(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    await create(server, "1/12", "1.0")
    await create(server, "5/1/2027", "2.0")
    wrong = await server.emu.run_command(
        server.mette, server.announcements, "hotseat", {"kind": "hot_seat", "topic": "Priser", "meeting": "1"}
    )
    assert "hører til 2.0-møderne" in wrong.content  # refused: it costs nothing
    signed = await server.emu.run_command(
        server.mette, server.announcements, "hotseat", {"kind": "hot_seat", "topic": "Priser"}
    )
    assert "Du har meldt dig" in signed.content
    again = await server.emu.run_command(
        server.mette, server.announcements, "hotseat", {"kind": "brag_spot", "topic": "Ny kunde"}
    )
    assert again.ephemeral and again.content.startswith("Rolig nu: prøv igen om")
    await settle_bot(bot)
    assert len(volunteer_notices(server)) == 1

    server.clock.advance(timedelta(minutes=2))
    changed = await server.emu.run_command(
        server.mette, server.announcements, "hotseat", {"kind": "brag_spot", "topic": "Ny kunde"}
    )
    assert "Din tilmelding til" in changed.content
    await settle_bot(bot)
    assert len(volunteer_notices(server)) == 2


async def test_one_extra_reminder_an_hour_also_across_a_restart(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    await create(server, "1/12", "2.0")

    async def remind() -> str:
        result = await server.emu.run_command(
            server.organiser, server.announcements, "meeting remind", {"meeting": "1"}
        )
        return str(result.content)

    assert "sendes nu" in await remind()
    await settle_bot(bot)
    server.clock.advance(timedelta(minutes=30))
    refused = await remind()
    assert "Der er allerede sendt en ekstra påmindelse" in refused
    bot = await running.restart()
    assert "Der er allerede sendt en ekstra påmindelse" in await remind()
    manual = [row for row in await rounds.for_meeting(bot.db, 1) if row.kind is RoundKind.MANUAL_REMINDER]
    assert len(manual) == 1

    server.clock.advance(timedelta(minutes=30))
    assert "sendes nu" in await remind()
    await settle_bot(bot)
