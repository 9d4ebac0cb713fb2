"""The waiting-list DM is a round written with the answer that put the member on the list: a bot stopped between
the answer and the DM still sends it after a restart, once, with the member's place at the moment it goes out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.rsvp import RsvpState
from db import rsvps
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.fakediscord import FakeMessage, FakeUser

GOING = "✅"
WAITLISTED = "så du er på ventelisten"
PROMOTED = "Godt nyt: der er blevet en plads ledig"


def waitlisted_dms(server: Server, user: FakeUser) -> list[str]:
    return [dm.content for dm in server.emu.dms_to(user) if WAITLISTED in dm.content]


def promoted_dms(server: Server, user: FakeUser) -> list[str]:
    return [dm.content for dm in server.emu.dms_to(user) if PROMOTED in dm.content]


async def create_full(server: Server, running: RunningBot) -> FakeMessage:
    """A meeting with one seat, taken by Mette."""
    bot = running.bot
    assert bot is not None
    result = await server.emu.run_command(
        server.organiser,
        server.announcements,
        "meeting create",
        options={"date": "1/12", "format": "2.0", "capacity": 1},
    )
    assert "Oprettet og annonceret" in result.followups[-1].content, result.followups[-1].content
    post = [m for m in server.emu.channel_messages(server.announcements) if m.embeds][-1]
    await server.emu.react(server.mette, post, GOING)
    await settle_bot(bot)
    return post


async def recorded_waiting(running: RunningBot, meeting_id: int, user: FakeUser) -> None:
    """Wait until the bot has stored the member's place on the waiting list (its DM cannot go out, so the bot
    never settles)."""
    bot = running.bot
    assert bot is not None
    for _ in range(200):
        if await rsvps.state_of(bot.db, meeting_id, user.id) is RsvpState.WAITING:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"{user.name} never got onto the waiting list")


async def test_a_waiting_list_dm_cut_off_by_a_kill_is_sent_after_restart_with_the_current_place(
    server: Server, running: RunningBot
) -> None:
    sara = server.emu.add_user("Sara", locale="da")
    server.guild.add_member(sara)
    await running.start()
    post = await create_full(server, running)

    # John's DM channel is opened but Discord's answer never comes back, so no waiting-list DM can go out.
    held = server.emu.hold_replies("POST", r"^/users/@me/channels$")
    await server.emu.react(server.john, post, GOING)
    await asyncio.wait_for(held.reached.wait(), timeout=10)
    await server.emu.react(sara, post, GOING)
    await recorded_waiting(running, 1, server.john)
    await recorded_waiting(running, 1, sara)
    await running.kill()
    held.release()
    await server.emu.unreact(server.john, post, GOING)  # John leaves the list while the bot is down

    bot = await running.start()
    await settle_bot(bot)  # the post is reconciled first: John's reaction is gone
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert waitlisted_dms(server, server.john) == []  # no longer waiting: nothing to tell
    (told,) = waitlisted_dms(server, sara)
    assert "(nummer 1)" in told, told  # her place when the DM went out, not the second she had when she reacted

    bot = await running.restart()
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert len(waitlisted_dms(server, sara)) == 1


async def test_a_member_who_answered_otherwise_before_the_seat_freed_dm_went_out_is_not_told(
    server: Server, running: RunningBot
) -> None:
    """John moves up when Mette gives up her seat, but Discord fails his "a seat freed up" DM for a while; he then
    answers ❌. When the round is tried again the seat is no longer his: no DM says it is."""
    bot = await running.start()
    post = await create_full(server, running)
    await server.emu.react(server.john, post, GOING)
    await settle_bot(bot)
    assert await rsvps.state_of(bot.db, 1, server.john.id) is RsvpState.WAITING

    not_the_channel = rf"^/channels/(?!{server.announcements.id}/)\d+/messages$"  # DMs only
    server.emu.refuse("POST", not_the_channel, times=3, status=503, code=0, message="Service Unavailable")
    await server.emu.unreact(server.mette, post, GOING)
    await settle_bot(bot)
    assert await rsvps.state_of(bot.db, 1, server.john.id) is RsvpState.GOING
    assert promoted_dms(server, server.john) == []  # three 503s: the round waits for its next try

    await server.emu.react(server.john, post, "❌")
    await settle_bot(bot)
    server.clock.now += timedelta(minutes=10)
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert promoted_dms(server, server.john) == []
