"""A round's notice to the organisers (a sign-up, a withdrawn slot, how a fan-out went) is delivered exactly once:
a Discord error has the round retry only the notice, never the members' DMs, and a bot killed between Discord's work
and its record never sends the notice twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.rounds import RoundKind
from db import rounds
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.e2e.test_round_restarts import going_members, meeting
from tests.e2e.test_written_with_notice import channel_posts, kill_while_discord_answers, retry_round
from tests.fakediscord import FakeUser


def organiser_lines(server: Server, text: str) -> list[str]:
    return [m.content for m in server.emu.channel_messages(server.organisers_channel) if text in m.content]


def reminder_dms(server: Server, person: FakeUser) -> int:
    return sum("Påmindelse" in m.content for m in server.emu.dms_to(person))


async def volunteer(server: Server, **kwargs: object) -> object:
    return await server.emu.run_command(
        server.mette, server.announcements, "hotseat", options={"kind": "hot_seat", "topic": "Prissætning"}, **kwargs
    )


async def test_a_volunteer_notice_refused_by_discord_reaches_the_organisers_once_later(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    await meeting(server)
    server.emu.refuse("POST", channel_posts(server.organisers_channel.id), times=1)
    await volunteer(server)
    await settle_bot(bot)
    assert not organiser_lines(server, "Ny frivillig")
    await retry_round(server, running)
    assert len(organiser_lines(server, "Ny frivillig")) == 1


async def test_a_volunteer_notice_sent_by_a_bot_killed_before_it_heard_back_is_sent_once(
    server: Server, running: RunningBot
) -> None:
    await running.start()
    await meeting(server)
    asked = asyncio.get_running_loop().create_task(volunteer(server, require_response=False))
    await kill_while_discord_answers(running, server, channel_posts(server.organisers_channel.id), asked)
    assert len(organiser_lines(server, "Ny frivillig")) == 1


async def test_a_reminders_report_refused_by_discord_comes_later_without_a_second_dm(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    post = await meeting(server)
    people = await going_members(server, post, 2)
    await settle_bot(bot)
    server.emu.refuse("POST", channel_posts(server.organisers_channel.id), times=1)
    await server.emu.run_command(server.organiser, server.announcements, "meeting remind", {"meeting": "1"})
    await server.emu.wait_for(lambda: all(reminder_dms(server, p) == 1 for p in people), timeout=10)
    await settle_bot(bot)
    assert not organiser_lines(server, "Påmindelse sendt")
    await retry_round(server, running)
    assert len(organiser_lines(server, "Påmindelse sendt")) == 1
    assert [reminder_dms(server, p) for p in people] == [1, 1]
    manual = [row for row in await rounds.for_meeting(bot.db, 1) if row.kind is RoundKind.MANUAL_REMINDER]
    assert [row.state for row in manual] == ["sent"]


async def test_a_reminders_report_sent_by_a_bot_killed_before_it_heard_back_is_sent_once(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    post = await meeting(server)
    people = await going_members(server, post, 2)
    await settle_bot(bot)
    reminded = asyncio.get_running_loop().create_task(
        server.emu.run_command(server.organiser, server.announcements, "meeting remind", {"meeting": "1"})
    )
    await kill_while_discord_answers(running, server, channel_posts(server.organisers_channel.id), reminded)
    assert len(organiser_lines(server, "Påmindelse sendt")) == 1
    assert [reminder_dms(server, p) for p in people] == [1, 1]


async def test_a_round_given_up_while_discord_is_down_is_told_to_the_organisers_once_it_is_back(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    await meeting(server)
    # Down long enough for the volunteer notice's five attempts and the first attempt of the "given up" notice.
    refusal = server.emu.refuse("POST", channel_posts(server.organisers_channel.id), times=6)
    await volunteer(server)
    await settle_bot(bot)
    for wait in (1, 2, 4, 8):
        server.clock.advance(timedelta(minutes=wait))
        await bot.rounds.run_due()
        await settle_bot(bot)
    assert refusal.refused == 6
    assert not organiser_lines(server, "opgav")
    await retry_round(server, running)
    (given_up,) = organiser_lines(server, "opgav")
    assert "5 forsøg" in given_up and "Missing Permissions" in given_up
    bot = await running.restart()
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert len(organiser_lines(server, "opgav")) == 1
    assert not organiser_lines(server, "Ny frivillig")
