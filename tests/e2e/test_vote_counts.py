"""The public count on a topic idea's post and the bars on an organiser's poll always end at what the database holds:
members voting at the same moment, answers that land in the other order or fail, and bursts of votes."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.e2e.test_feedback import button, create
from tests.fakediscord import FakeMessage, FakeUser, iter_components

CALLBACK = r"^/interactions/\d+/[^/]+/callback$"


def upvote_label(idea: FakeMessage) -> str | None:
    (label,) = [c.get("label") for c in iter_components(idea.components) if c["type"] == 2]
    return label


async def suggest_idea(server: Server) -> FakeMessage:
    await create(server)
    await server.emu.run_command(server.mette, server.announcements, "suggest", options={"topic": "Moms"})
    return next(m for m in server.emu.channel_messages(server.announcements) if "Emneforslag fra Mette" in m.content)


async def create_poll(server: Server) -> FakeMessage:
    await server.emu.run_command(
        server.organiser,
        server.announcements,
        "poll create",
        options={"question": "Hvilken dag passer?", "options": "mandag; tirsdag"},
    )
    return next(
        m
        for m in server.emu.channel_messages(server.announcements)
        if m.embeds and m.embeds[0]["title"] == "Hvilken dag passer?"
    )


def members(server: Server, count: int) -> list[FakeUser]:
    """Members who joined before the bot started (no welcome DMs to wait for)."""
    people = [server.emu.add_user(f"Medlem {n}", locale="da") for n in range(count)]
    for person in people:
        server.guild.add_member(person)
    return people


def edits_of(server: Server, message: FakeMessage) -> int:
    """Edits of the post: by the bot in the channel, or as an interaction's answer (UPDATE_MESSAGE, type 7, which
    shows every member the count as one handler read it)."""
    path = f"/channels/{message.channel_id}/messages/{message.id}"
    return sum(
        1
        for r in server.emu.requests
        if r.status < 300
        and (
            (r.method == "PATCH" and r.path == path)
            or (re.match(CALLBACK, r.path) and isinstance(r.json, dict) and r.json.get("type") == 7)
        )
    )


async def test_an_older_answer_landing_last_does_not_leave_a_stale_count(server: Server, running: RunningBot) -> None:
    """John and Birgitte vote at the same moment; John's answer fails once with a 500 and discord.py sends it again a
    second later, after Birgitte's: the post still ends showing both votes."""
    bot = await running.start()
    idea = await suggest_idea(server)
    emu = server.emu
    upvote = button(idea, lambda c: c.get("custom_id", "").startswith("mv:up:"))
    refusal = emu.refuse("POST", CALLBACK, times=1, status=500, code=0, message="Internal Server Error")
    johns = asyncio.create_task(emu.click(server.john, idea, upvote))
    await emu.wait_for(lambda: refusal.refused == 1)
    await emu.click(server.organiser, idea, upvote)
    await johns
    await settle_bot(bot)
    assert upvote_label(idea) == "3"


async def test_a_vote_whose_answer_failed_still_counts_on_the_post(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    idea = await suggest_idea(server)
    emu = server.emu
    upvote = button(idea, lambda c: c.get("custom_id", "").startswith("mv:up:"))
    emu.refuse("POST", CALLBACK, times=1, status=404, code=10062, message="Unknown interaction")
    await emu.click(server.john, idea, upvote, require_response=False)
    await settle_bot(bot)
    assert upvote_label(idea) == "2"


async def test_votes_just_before_a_graceful_stop_show_on_their_posts(server: Server, running: RunningBot) -> None:
    await running.start()
    idea = await suggest_idea(server)
    post = await create_poll(server)
    await server.emu.click(server.john, idea, button(idea, lambda c: c.get("custom_id", "").startswith("mv:up:")))
    await server.emu.click(server.john, post, button(post, lambda c: c.get("label") == "mandag"))
    await running.stop()
    assert upvote_label(idea) == "2"
    assert "**mandag** — 1" in post.embeds[0]["description"]


async def test_a_burst_of_votes_ends_in_few_edits_and_the_right_count(server: Server, running: RunningBot) -> None:
    voters = members(server, 30)
    bot = await running.start()
    idea = await suggest_idea(server)
    upvote = button(idea, lambda c: c.get("custom_id", "").startswith("mv:up:"))
    before = edits_of(server, idea)
    await asyncio.gather(*(server.emu.click(person, idea, upvote) for person in voters))
    await settle_bot(bot)
    assert upvote_label(idea) == "31"
    assert edits_of(server, idea) - before <= 5


async def test_a_poll_vote_answered_late_or_not_at_all_shows_in_its_bars(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await create_poll(server)
    emu = server.emu
    monday = button(post, lambda c: c.get("label") == "mandag")
    refusal = emu.refuse("POST", CALLBACK, times=1, status=500, code=0, message="Internal Server Error")
    mettes = asyncio.create_task(emu.click(server.mette, post, monday))
    await emu.wait_for(lambda: refusal.refused == 1)
    await emu.click(server.john, post, monday)
    await mettes
    emu.refuse("POST", CALLBACK, times=1, status=404, code=10062, message="Unknown interaction")
    await emu.click(server.organiser, post, monday, require_response=False)
    await settle_bot(bot)
    assert "**mandag** — 3" in post.embeds[0]["description"]
    assert post.embeds[0]["footer"]["text"].startswith("3 stemmer")


async def test_a_burst_of_poll_votes_ends_in_few_edits(server: Server, running: RunningBot) -> None:
    voters = members(server, 30)
    bot = await running.start()
    post = await create_poll(server)
    tuesday = button(post, lambda c: c.get("label") == "tirsdag")
    before = edits_of(server, post)
    await asyncio.gather(*(server.emu.click(person, post, tuesday) for person in voters))
    await settle_bot(bot)
    assert "**tirsdag** — 30" in post.embeds[0]["description"]
    assert edits_of(server, post) - before <= 5


async def test_a_poll_closing_while_its_bars_are_redrawn_ends_closed(server: Server, running: RunningBot) -> None:
    """The redraw after Mette's vote read the poll open; its edit fails once with a 500 and goes out again after the
    poll closed: the post still ends closed, without buttons."""
    bot = await running.start()
    emu = server.emu
    await emu.run_command(
        server.organiser,
        server.announcements,
        "poll create",
        options={"question": "Hvilken dag passer?", "options": "mandag; tirsdag", "closes_in": "1d"},
    )
    post = next(m for m in emu.channel_messages(server.announcements) if m.embeds)
    refusal = emu.refuse(
        "PATCH", rf"/messages/{post.id}$", times=1, status=500, code=0, message="Internal Server Error"
    )
    await emu.click(server.mette, post, button(post, lambda c: c.get("label") == "mandag"))
    await emu.wait_for(lambda: refusal.refused == 1)
    server.clock.advance(timedelta(days=1))
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert post.embeds[0]["footer"]["text"].startswith("Lukket · 1 stemmer")
    assert not post.components
