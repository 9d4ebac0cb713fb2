"""Defects the season simulation (tests/e2e/season.py) found, each held by a small test of its own."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime, timedelta

from bot.logs import configure_logging
from bot.rsvp import RsvpState
from db import rsvps
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.fakediscord import FakeMessage

GOING, MAYBE, NOT_GOING = "✅", "❔", "❌"
# "1/12" at 17:30 in Copenhagen; its "1 day before" reminder is due a day earlier.
DAY_BEFORE = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
REACTION_DELETE = r"/messages/\d+/reactions/[^/]+/\d+$"  # taking back a member's reaction


async def announce(server: Server) -> FakeMessage:
    result = await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": "1/12", "format": "2.0"}
    )
    assert "Oprettet og annonceret" in result.followups[-1].content, result.followups[-1].content
    (post,) = [m for m in server.emu.channel_messages(server.announcements) if m.embeds]
    return post


def answers_of(post: FakeMessage, user_id: int) -> list[str]:
    return [emoji for emoji in (GOING, MAYBE, NOT_GOING) if user_id in post.reactions.get(emoji, [])]


async def test_a_stale_reaction_the_bot_could_not_take_back_before_a_kill_is_taken_back_at_start(
    server: Server, running: RunningBot
) -> None:
    """Season seed 17: members who switched answers shortly before a kill -9 kept both reactions on the post for
    good (❔ and ❌ under one name), because the queued removal died with the process and the start-up
    reconciliation only compares the reactions with those the bot had seen, not with the stored answers."""
    bot = await running.start()
    post = await announce(server)
    await server.emu.react(server.mette, post, GOING)
    await settle_bot(bot)
    server.emu.refuse("DELETE", REACTION_DELETE, status=503, code=0, message="Service Unavailable")
    await server.emu.react(server.mette, post, NOT_GOING)  # the bot cannot take ✅ back now
    await settle_bot(bot)
    assert await rsvps.state_of(bot.db, 1, server.mette.id) is RsvpState.NOT_GOING
    assert answers_of(post, server.mette.id) == [GOING, NOT_GOING]
    await running.kill()
    server.emu.stop_refusing()

    bot = await running.start()
    await server.emu.wait_for(lambda: answers_of(post, server.mette.id) == [NOT_GOING], timeout=10)
    await settle_bot(bot)
    assert await rsvps.state_of(bot.db, 1, server.mette.id) is RsvpState.NOT_GOING


async def test_taking_back_a_stale_reaction_outlasts_a_short_5xx_storm(server: Server, running: RunningBot) -> None:
    """Season seed 17: a 5xx answer to one reaction removal dropped it for good, with a traceback in the log."""
    log = io.StringIO()
    configure_logging(secrets=[server.emu.token], stream=log)
    try:
        bot = await running.start()
        post = await announce(server)
        await server.emu.react(server.mette, post, MAYBE)
        await settle_bot(bot)
        server.emu.refuse("DELETE", REACTION_DELETE, times=2, status=503, code=0, message="Service Unavailable")
        await server.emu.react(server.mette, post, GOING)
        await server.emu.wait_for(lambda: answers_of(post, server.mette.id) == [GOING], timeout=15)
        await settle_bot(bot)
    finally:
        logging.getLogger().handlers.clear()
    entries = [json.loads(line) for line in log.getvalue().splitlines()]
    assert not [entry for entry in entries if "exception" in entry], "a refused removal is no crash"


async def test_an_announcement_edit_refused_by_a_5xx_is_made_later(server: Server, running: RunningBot) -> None:
    """Season seed 1 (8 meetings, 150 members): a 500 storm on message edits made the coalesced refresh of a post
    fail after discord.py's retries; it was dropped with a traceback, and the post kept old counts until the next
    answer came in (none might)."""
    log = io.StringIO()
    configure_logging(secrets=[server.emu.token], stream=log)
    try:
        bot = await running.start()
        post = await announce(server)
        server.emu.refuse("PATCH", r"^/channels/\d+/messages/\d+$", times=1, status=503, code=0, message="Unavailable")
        await server.emu.react(server.mette, post, GOING)
        await server.emu.wait_for(lambda: any(f["name"] == "Kommer (1)" for f in post.embeds[0]["fields"]), timeout=15)
        await settle_bot(bot)
    finally:
        logging.getLogger().handlers.clear()
    entries = [json.loads(line) for line in log.getvalue().splitlines()]
    assert not [entry for entry in entries if "exception" in entry], "a refused edit is no crash"


async def test_a_reminder_dm_lost_to_a_5xx_storm_is_sent_when_the_round_is_retried(
    server: Server, running: RunningBot
) -> None:
    """Season runs with 503 storms on message creates: a member whose reminder DM met three 503s in a row never
    got it, though Discord was back a few seconds later and the meeting was a day away."""
    bot = await running.start()
    post = await announce(server)
    await server.emu.react(server.mette, post, GOING)
    await settle_bot(bot)
    not_the_channel = rf"^/channels/(?!{server.announcements.id}/)\d+/messages$"  # DMs only, the card goes out
    server.emu.refuse("POST", not_the_channel, times=3, status=503, code=0, message="Service Unavailable")
    server.clock.now = DAY_BEFORE
    await bot.rounds.run_due()
    server.emu.stop_refusing()
    server.clock.now = DAY_BEFORE + timedelta(minutes=10)  # any retry of the round is due by now
    await bot.rounds.run_due()
    await settle_bot(bot)
    reminders = [dm for dm in server.emu.dms_to(server.mette) if "Påmindelse" in dm.content]
    assert len(reminders) == 1
    assert reminders[0].content.startswith("(Sendt for sent: påmindelsen kunne ikke sendes til tiden.)")
