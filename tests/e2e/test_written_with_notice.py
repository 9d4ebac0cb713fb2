"""Written together with its notice: what a member or organiser saves to be posted (an idea, a poll) is posted by a
round written in the same transaction. A Discord error keeps nothing from going up (the round is retried, the member
is told it is saved), and a bot killed between Discord's work and its record never posts twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.polls import PollStatus
from db import polls, topics
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.fakediscord import FakeMessage
from tests.fakediscord.rest import NONCE_WINDOW

# Later than Discord remembers a nonce: only the bot's own record can keep a message from going out twice.
DOWN = NONCE_WINDOW + timedelta(minutes=5)
# The runner's first retry after a failed attempt.
RETRY = timedelta(minutes=1)


def channel_posts(channel_id: int) -> str:
    return rf"^/channels/{channel_id}/messages$"


def topic_posts(server: Server) -> list[FakeMessage]:
    return [m for m in server.emu.channel_messages(server.announcements) if "Emneforslag fra Mette" in m.content]


def poll_posts(server: Server) -> list[FakeMessage]:
    found = server.emu.channel_messages(server.announcements)
    return [m for m in found if m.embeds and m.embeds[0].get("title") == "Hvilken dag passer?"]


async def retry_round(server: Server, running: RunningBot) -> None:
    bot = running.bot
    assert bot is not None
    server.clock.advance(RETRY)
    await bot.rounds.run_due()
    await settle_bot(bot)


async def kill_while_discord_answers(
    running: RunningBot, server: Server, path: str, start: asyncio.Task[object]
) -> None:
    """Kill the bot once Discord made the first message matching ``path`` but before the bot heard back, then bring
    it back after Discord forgot the nonce."""
    held = server.emu.hold_replies("POST", path)
    await asyncio.wait_for(held.reached.wait(), timeout=10)
    await running.kill()
    held.release()
    start.cancel()
    server.clock.advance(DOWN)
    bot = await running.start()
    await bot.rounds.run_due()
    await settle_bot(bot)


async def test_an_idea_whose_post_fails_is_saved_once_and_posted_when_discord_is_back(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    server.emu.refuse("POST", channel_posts(server.announcements.id), times=1)
    answer = await server.emu.run_command(server.mette, server.announcements, "suggest", {"topic": "Moms"})
    assert answer.ephemeral and "er gemt" in answer.content, answer.content
    assert not topic_posts(server)
    await retry_round(server, running)
    (post,) = topic_posts(server)
    (idea,) = await topics.all_topics(bot.db, server.guild.id)
    assert (idea.channel_id, idea.message_id) == (server.announcements.id, post.id)


async def test_an_idea_answers_with_its_link_when_the_post_went_out_at_once(
    server: Server, running: RunningBot
) -> None:
    await running.start()
    answer = await server.emu.run_command(server.mette, server.announcements, "suggest", {"topic": "Moms"})
    (post,) = topic_posts(server)
    assert "Tak for forslaget" in answer.content and str(post.id) in answer.content


async def test_an_idea_posted_by_a_bot_killed_before_it_heard_back_is_posted_once(
    server: Server, running: RunningBot
) -> None:
    await running.start()
    suggested = asyncio.get_running_loop().create_task(
        server.emu.run_command(server.mette, server.announcements, "suggest", {"topic": "Moms"}, require_response=False)
    )
    await kill_while_discord_answers(running, server, channel_posts(server.announcements.id), suggested)
    bot = running.bot
    assert bot is not None
    (post,) = topic_posts(server)
    (idea,) = await topics.all_topics(bot.db, server.guild.id)
    assert idea.message_id == post.id


async def test_a_poll_whose_post_fails_is_posted_when_discord_is_back_and_still_closes(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    server.emu.refuse("POST", channel_posts(server.announcements.id), times=1)
    answer = await server.emu.run_command(
        server.organiser,
        server.announcements,
        "poll create",
        options={"question": "Hvilken dag passer?", "options": "mandag; tirsdag", "closes_in": "1d"},
    )
    assert answer.ephemeral and "er gemt" in answer.content, answer.content
    await retry_round(server, running)
    (post,) = poll_posts(server)
    poll = await polls.get(bot.db, 1)
    assert poll is not None and poll.message_id == post.id
    server.clock.advance(timedelta(days=1))
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert post.embeds[0]["footer"]["text"].startswith("Lukket")


async def test_a_newcomers_welcome_refused_by_discord_comes_once_when_discord_is_back(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    closed = server.emu.add_user("Lukket", locale="da", accepts_dms=False)

    def greetings() -> int:
        return sum(f"<@{closed.id}>" in m.content for m in server.emu.channel_messages(server.announcements))

    server.emu.refuse("POST", channel_posts(server.announcements.id), times=1)
    await server.emu.member_join(server.guild, closed)
    await settle_bot(bot)
    assert greetings() == 0
    await retry_round(server, running)
    assert greetings() == 1
    bot = await running.restart()
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert greetings() == 1


async def test_a_poll_whose_post_is_held_up_past_its_end_goes_up_closed_and_stays_closed(
    server: Server, running: RunningBot
) -> None:
    """Discord refuses the post until after the poll's closing time: it goes up closed, and the poll is closed in
    the database too, so no later redraw puts its buttons back."""
    bot = await running.start()
    server.emu.refuse("POST", channel_posts(server.announcements.id), times=1)
    await server.emu.run_command(
        server.organiser,
        server.announcements,
        "poll create",
        options={"question": "Hvilken dag passer?", "options": "mandag; tirsdag", "closes_in": "1h"},
    )
    server.clock.advance(timedelta(hours=2))
    await retry_round(server, running)
    (post,) = poll_posts(server)
    assert post.embeds[0]["footer"]["text"].startswith("Lukket") and not post.components
    poll = await polls.get(bot.db, 1)
    assert poll is not None and poll.status is PollStatus.CLOSED
