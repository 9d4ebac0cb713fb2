"""Start-up when Discord fails on one meeting: that meeting's reconciliation fails alone (logged, retried, told to the
organisers once at most), every timed round is armed whatever happens — rounds of no meeting at once, each meeting's
as soon as that meeting was reconciled — and a post that went up is never reported as not posted."""

from __future__ import annotations

from typing import cast

import pytest

from bot.client import MikroVirkBot
from bot.rounds import MAX_ATTEMPTS, RETRY_BACKOFF, RoundKind
from bot.rsvp import RsvpState
from bot.services.rounds import timer_id
from cogs.meetings._cog import Meetings
from db import meetings, rounds, rsvps
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.fakediscord import FakeMessage

GOING = "✅"
DATES = ("1/12", "8/12", "15/12")
NO_MEETING_KINDS = {RoundKind.MONTHLY, RoundKind.BACKUP, RoundKind.RETENTION}


def cog(bot: MikroVirkBot) -> Meetings:
    return cast(Meetings, bot.get_cog("Meetings"))


async def create_meetings(server: Server) -> list[FakeMessage]:
    for date in DATES:
        result = await server.emu.run_command(
            server.organiser, server.announcements, "meeting create", options={"date": date, "format": "2.0"}
        )
        assert "Oprettet og annonceret" in result.followups[-1].content, result.followups[-1].content
    return [m for m in server.emu.channel_messages(server.announcements) if m.embeds]


async def armed(bot: MikroVirkBot, meeting_id: int | None) -> tuple[int, int]:
    """(unfinished rows, rows with a timer) of one meeting, or of no meeting."""
    rows = [row for row in await rounds.unfinished(bot.db, bot.config.discord.guild_id) if row.meeting_id == meeting_id]
    timers = [row for row in rows if bot.scheduler.get_job(timer_id(row.id)) is not None]
    return len(rows), len(timers)


async def start_without_read_access_to_the_first_post(server: Server, running: RunningBot) -> MikroVirkBot:
    """Three meetings announced, then a start at which Discord refuses to show the first post (403)."""
    bot = await running.start()
    posts = await create_meetings(server)
    await settle_bot(bot)
    await running.kill()
    channel = server.announcements.id
    server.emu.refuse("GET", rf"^/channels/{channel}/messages/{posts[0].id}$", code=50001, message="Missing Access")
    bot = await running.start()
    await server.emu.wait_for(lambda: cog(bot).reconciled, timeout=10)
    return bot


def organiser_notices(server: Server, needle: str) -> int:
    return sum(needle in m.content for m in server.emu.channel_messages(server.organisers_channel))


async def test_one_failing_announcement_fails_alone_and_every_round_is_armed(
    server: Server, running: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    emu = server.emu
    bot = await running.start()
    posts = await create_meetings(server)
    await settle_bot(bot)
    await running.kill()
    for post in posts:  # answers given while the bot was down
        await emu.react(server.mette, post, GOING)
    channel = server.announcements.id
    # The second meeting's post: a 500 that outlasts discord.py's own retries at start, then a 403 on the retry.
    emu.refuse("GET", rf"^/channels/{channel}/messages/{posts[1].id}$", status=500, code=0, message="Internal")
    bot = await running.start()
    await emu.wait_for(lambda: any(r.path.endswith(str(posts[1].id)) for r in emu.requests), timeout=10)
    # While the second meeting's reconciliation is stuck, rounds of no meeting and the first meeting's are armed.
    no_meeting = await armed(bot, None)
    assert no_meeting[0] >= len(NO_MEETING_KINDS) and no_meeting[0] == no_meeting[1], no_meeting
    first = await armed(bot, 1)
    assert first[0] > 0 and first[0] == first[1], first
    assert await rsvps.states(bot.db, 1) == {server.mette.id: RsvpState.GOING}
    await emu.wait_for(lambda: cog(bot).reconciled, timeout=40)
    await settle_bot(bot)
    emu.stop_refusing()
    # The others were reconciled, every meeting's rounds are armed, and the failing one has a retry.
    assert await rsvps.states(bot.db, 3) == {server.mette.id: RsvpState.GOING}
    assert await rsvps.states(bot.db, 2) == {}
    for meeting_id in (1, 2, 3):
        unfinished, with_timer = await armed(bot, meeting_id)
        assert unfinished > 0 and unfinished == with_timer, (meeting_id, unfinished, with_timer)
    (retry,) = [r for r in await rounds.for_meeting(bot.db, 2) if r.kind is RoundKind.RECONCILE]
    assert bot.scheduler.get_job(timer_id(retry.id)) is not None
    (logged,) = [r for r in caplog.records if r.getMessage() == "announcement not reconciled, retrying later"]
    assert logged.meeting_id == 2 and logged.error.startswith("500")  # type: ignore[attr-defined]
    # The retry meets a 403 (Read Message History taken away): it waits again, nobody is told yet.
    emu.refuse("GET", rf"^/channels/{channel}/messages/{posts[1].id}$", times=1, code=50001, message="Missing Access")
    server.clock.advance(RETRY_BACKOFF)
    await bot.rounds.run_due()
    assert (await rounds.get(bot.db, retry.id)).attempts == 1  # type: ignore[union-attr]
    assert organiser_notices(server, "Jeg opgav") == 0
    # The fault is gone: the next retry heals the meeting.
    server.clock.advance(RETRY_BACKOFF * 2)
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert await rsvps.states(bot.db, 2) == {server.mette.id: RsvpState.GOING}
    assert (await rounds.get(bot.db, retry.id)).state.value == "sent"  # type: ignore[union-attr]
    assert organiser_notices(server, "Jeg opgav") == 0


async def test_a_meeting_that_never_reconciles_is_told_to_the_organisers_once(
    server: Server, running: RunningBot
) -> None:
    bot = await start_without_read_access_to_the_first_post(server, running)
    for _ in range(MAX_ATTEMPTS + 1):
        server.clock.advance(RETRY_BACKOFF * 2**MAX_ATTEMPTS)
        await bot.rounds.run_due()
    await settle_bot(bot)
    assert organiser_notices(server, "Jeg opgav") == 1
    for meeting_id in (1, 2, 3):
        unfinished, with_timer = await armed(bot, meeting_id)
        assert unfinished == with_timer, (meeting_id, unfinished, with_timer)


async def test_a_post_whose_reactions_fail_is_still_published(server: Server, running: RunningBot) -> None:
    emu = server.emu
    bot = await running.start()
    emu.refuse("PUT", rf"^/channels/{server.announcements.id}/messages/\d+/reactions/")
    result = await emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": "1/12", "format": "2.0"}
    )
    await settle_bot(bot)
    answer = result.followups[-1].content
    assert "Oprettet og annonceret" in answer, answer
    (post,) = [m for m in emu.channel_messages(server.announcements) if m.embeds]
    meeting = await meetings.get_meeting(bot.db, server.guild.id, 1)
    assert meeting is not None and meeting.announcement_message_id == post.id
    assert meeting.scheduled_event_id is not None
    assert len(emu.scheduled_events(server.guild)) == 1
    unfinished, with_timer = await armed(bot, 1)
    assert unfinished > 0 and unfinished == with_timer
    # The next start adds the bot's own reactions that are missing.
    emu.stop_refusing()
    await running.kill()
    bot = await running.start()
    await emu.wait_for(lambda: cog(bot).reconciled, timeout=10)
    await settle_bot(bot)
    assert set(post.reactions) >= {"✅", "❔", "❌"}


async def test_a_retry_left_by_an_earlier_start_goes_once_the_next_start_reconciles(
    server: Server, running: RunningBot
) -> None:
    """A start that could not reconcile a post leaves a retry; when the next start reconciles it, the retry is not
    run as well (it would read every reaction of the post again)."""
    bot = await start_without_read_access_to_the_first_post(server, running)
    (retry,) = [r for r in await rounds.for_meeting(bot.db, 1) if r.kind is RoundKind.RECONCILE]
    await running.kill()
    server.emu.stop_refusing()
    bot = await running.start()
    await server.emu.wait_for(lambda: cog(bot).reconciled, timeout=10)
    left = await rounds.get(bot.db, retry.id)
    assert left is not None and left.state.value == "cancelled" and left.reason == "reconciled at start"
    assert bot.scheduler.get_job(timer_id(retry.id)) is None
