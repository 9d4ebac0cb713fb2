"""Exactly once beyond Discord's nonce window: a message the bot sent but never recorded (killed while Discord's
answer was on its way) is found after the restart, however long the bot was down, and not sent again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.rounds import DeliveryState, RoundKind
from db import meetings, rounds
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.e2e.test_round_restarts import MEETING, going_members, meeting
from tests.fakediscord import FakeUser
from tests.fakediscord.rest import NONCE_WINDOW

DOWN = {"within the nonce window": timedelta(minutes=1), "past the nonce window": NONCE_WINDOW + timedelta(minutes=5)}


def reminder_dms(server: Server, person: FakeUser) -> int:
    return sum("Påmindelse" in m.content for m in server.emu.dms_to(person))


def reminder_posts(server: Server) -> int:
    found = server.emu.channel_messages(server.announcements)
    return sum(1 for m in found if m.embeds and (m.embeds[0].get("title") or "").startswith("Påmindelse"))


async def kill_with_reply_lost(running: RunningBot, server: Server, path: str) -> None:
    """Run the due reminder and kill the bot once Discord made the first message matching ``path`` but before the
    bot heard back (so it never recorded it)."""
    bot = running.bot
    assert bot is not None
    held = server.emu.hold_replies("POST", path)
    server.clock.now = MEETING - timedelta(days=1)
    asyncio.get_running_loop().create_task(bot.rounds.run_due(), name="round-test")
    await asyncio.wait_for(held.reached.wait(), timeout=10)
    await running.kill()
    held.release()


@pytest.mark.parametrize("down", DOWN.values(), ids=DOWN.keys())
async def test_a_dm_sent_but_not_recorded_is_not_sent_again(
    server: Server, running: RunningBot, down: timedelta
) -> None:
    bot = await running.start()
    post = await meeting(server)
    people = await going_members(server, post, 4)
    await settle_bot(bot)
    bot.dm.interval = 0.01
    # The first DM of the reminder's fan-out (any channel but the announcements channel).
    await kill_with_reply_lost(running, server, rf"^/channels/(?!{server.announcements.id}/)\d+/messages$")
    assert [reminder_dms(server, p) for p in people] == [1, 0, 0, 0]
    server.clock.advance(down)
    bot = await running.start()
    await server.emu.wait_for(lambda: all(reminder_dms(server, p) >= 1 for p in people), timeout=15)
    await settle_bot(bot)
    await asyncio.sleep(0.2)
    assert [reminder_dms(server, p) for p in people] == [1, 1, 1, 1]
    (row,) = [r for r in await rounds.for_meeting(bot.db, 1) if r.kind is RoundKind.REMINDER and r.subject == "1d"]
    assert (await rounds.delivery_counts(bot.db, row.id))[DeliveryState.SENT] == 4


@pytest.mark.parametrize("down", DOWN.values(), ids=DOWN.keys())
async def test_a_post_sent_but_not_recorded_is_not_posted_again(
    server: Server, running: RunningBot, down: timedelta
) -> None:
    bot = await running.start()
    post = await meeting(server)
    people = await going_members(server, post, 2)
    await settle_bot(bot)
    await kill_with_reply_lost(running, server, rf"^/channels/{server.announcements.id}/messages$")
    assert reminder_posts(server) == 1
    server.clock.advance(down)
    bot = await running.start()
    await server.emu.wait_for(lambda: all(reminder_dms(server, p) >= 1 for p in people), timeout=15)
    await settle_bot(bot)
    assert reminder_posts(server) == 1
    assert [reminder_dms(server, p) for p in people] == [1, 1]


async def test_an_announcement_sent_but_not_recorded_is_not_posted_again(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    held = server.emu.hold_replies("POST", rf"^/channels/{server.announcements.id}/messages$")
    created = asyncio.get_running_loop().create_task(
        server.emu.run_command(
            server.organiser, server.announcements, "meeting create", options={"date": "1/12", "format": "2.0"}
        )
    )
    await asyncio.wait_for(held.reached.wait(), timeout=10)
    await running.kill()
    held.release()
    created.cancel()
    assert len([m for m in server.emu.channel_messages(server.announcements) if m.embeds]) == 1
    server.clock.advance(DOWN["past the nonce window"])
    bot = await running.start()
    await server.emu.wait_for(lambda: bot.get_cog("Meetings").reconciled, timeout=10)  # type: ignore[union-attr]
    await settle_bot(bot)
    posts = [m for m in server.emu.channel_messages(server.announcements) if m.embeds]
    assert len(posts) == 1
    found = await meetings.get_meeting(bot.db, server.guild.id, 1)
    assert found is not None and found.announcement_message_id == posts[0].id
