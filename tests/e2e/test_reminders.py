"""Reminders end to end: due on time (also across DST), once, to the right people, across restarts and kills."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.rounds import RoundKind, RoundState
from db import rounds
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.fakediscord import FakeMessage, FakeUser, Perm

GOING, MAYBE, NOT_GOING = "✅", "❔", "❌"
# The default meeting: 1 December 2026 17:30 Copenhagen = 16:30 UTC; "1 day before" is 30 November 16:30 UTC.
DAY_BEFORE = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)


def reminder_posts(server: Server) -> list[FakeMessage]:
    return [
        m
        for m in server.emu.channel_messages(server.announcements)
        if m.embeds and "Påmindelse" in m.embeds[0]["title"]
    ]


def reminder_dms(server: Server, user: FakeUser) -> list[FakeMessage]:
    return [m for m in server.emu.dms_to(user) if "Påmindelse" in m.content or "Reminder" in m.content]


async def create_meeting(server: Server, date: str = "1/12", **options: object) -> FakeMessage:
    result = await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": date, "format": "2.0", **options}
    )
    assert "Oprettet og annonceret" in result.followups[-1].content, result.followups[-1].content
    (post,) = [m for m in server.emu.channel_messages(server.announcements) if m.embeds]
    return post


async def members(server: Server, count: int) -> list[FakeUser]:
    users = []
    for index in range(count):
        user = server.emu.add_user(f"Deltager{index}", locale="da")
        await server.emu.member_join(server.guild, user)
        users.append(user)
    return users


async def test_reminder_goes_to_the_channel_and_to_going_and_maybe_who_want_dms(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    post = await create_meeting(server)
    quiet = (await members(server, 1))[0]
    emu = server.emu
    off = await emu.run_command(quiet, server.announcements, "reminders off", locale="da")
    assert off.ephemeral and "Ingen flere påmindelser" in off.content
    await emu.react(server.mette, post, GOING)
    await emu.react(server.john, post, MAYBE)
    await emu.react(server.organiser, post, NOT_GOING)
    await emu.react(quiet, post, GOING)
    await settle_bot(bot)
    rows = {r.subject: r for r in await rounds.for_meeting(bot.db, 1) if r.kind is RoundKind.REMINDER}
    assert rows["1d"].due_at == DAY_BEFORE
    assert "7d" not in rows  # a week before had already passed when the meeting was created

    server.clock.now = DAY_BEFORE - timedelta(minutes=1)
    await bot.rounds.run_due()
    assert not reminder_posts(server)
    server.clock.now = DAY_BEFORE
    await bot.rounds.run_due()
    (reminder,) = reminder_posts(server)
    assert "i morgen" in reminder.embeds[0]["description"]
    assert any(f["value"] == "2 kommer · 1 måske" for f in reminder.embeds[0]["fields"])
    assert post.id and str(post.id) in str(reminder.embeds[0]["fields"])
    assert len(reminder_dms(server, server.mette)) == 1 and len(reminder_dms(server, server.john)) == 1
    assert "i morgen" in reminder_dms(server, server.mette)[0].content
    assert not reminder_dms(server, server.organiser)  # not going
    assert not reminder_dms(server, quiet)  # turned DMs off
    assert (await rounds.get(bot.db, rows["1d"].id)).state is RoundState.SENT  # type: ignore[union-attr]

    bot = await running.restart()  # a restart after sending sends nothing again
    await bot.rounds.run_due()
    await asyncio.sleep(0.2)
    assert len(reminder_posts(server)) == 1
    assert len(reminder_dms(server, server.mette)) == 1


async def test_a_hard_kill_midway_delivers_every_dm_exactly_once(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await create_meeting(server)
    people = await members(server, 8)
    for person in people:
        await server.emu.react(person, post, GOING)
    await settle_bot(bot)
    server.clock.now = DAY_BEFORE
    sending = asyncio.create_task(bot.rounds.run_due(), name="round-run")
    await server.emu.wait_for(lambda: sum(len(reminder_dms(server, p)) for p in people) >= 4, timeout=10)
    await running.kill()
    assert sending.done()
    delivered_before_kill = sum(len(reminder_dms(server, p)) for p in people)
    assert 4 <= delivered_before_kill < 8

    await running.start()  # the row was left "sending": the timer resumes it at once, with those not yet reached
    await server.emu.wait_for(lambda: all(reminder_dms(server, p) for p in people), timeout=15)
    await asyncio.sleep(0.3)
    assert [len(reminder_dms(server, p)) for p in people] == [1] * 8
    assert len(reminder_posts(server)) == 1


async def test_missed_while_down_is_sent_late_before_the_meeting(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await create_meeting(server)
    await server.emu.react(server.mette, post, GOING)
    await settle_bot(bot)
    await running.stop()
    server.clock.now = DAY_BEFORE + timedelta(hours=3)  # down when it was due; the meeting is still ahead
    await running.start()
    await server.emu.wait_for(lambda: reminder_posts(server), timeout=10)
    assert "Sendt for sent" in reminder_posts(server)[0].embeds[0]["description"]
    await server.emu.wait_for(lambda: reminder_dms(server, server.mette), timeout=10)


async def test_missed_while_down_is_skipped_after_the_meeting_began(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await create_meeting(server)
    await server.emu.react(server.mette, post, GOING)
    await settle_bot(bot)
    (row,) = [r for r in await rounds.for_meeting(bot.db, 1) if (r.kind, r.subject) == (RoundKind.REMINDER, "1d")]
    await running.stop()
    server.clock.now = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # the meeting began at 16:30 UTC
    bot = await running.start()

    async def skipped() -> bool:
        found = await rounds.get(bot.db, row.id)
        return found is not None and found.state is RoundState.SKIPPED

    await server.emu.wait_for(skipped, timeout=10)
    assert not reminder_posts(server) and not reminder_dms(server, server.mette)


async def test_moving_retimes_and_cancelling_removes(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    await create_meeting(server)
    moved = await server.emu.run_command(
        server.organiser, server.announcements, "meeting edit", options={"meeting": "1", "date": "8/12"}
    )
    assert "Rettet" in moved.followups[0].content
    await settle_bot(bot)
    rows = {r.subject: r for r in await rounds.for_meeting(bot.db, 1) if r.kind is RoundKind.REMINDER}
    assert rows["1d"].due_at == datetime(2026, 12, 7, 16, 30, tzinfo=UTC)
    assert rows["7d"].due_at == datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # now ahead: created
    await server.emu.run_command(server.organiser, server.announcements, "meeting cancel", options={"meeting": "1"})
    await settle_bot(bot)
    planned = [r for r in await rounds.for_meeting(bot.db, 1) if r.planned_for is not None]
    assert {r.state for r in planned} == {RoundState.CANCELLED}
    server.clock.now = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
    await bot.rounds.run_due()
    assert not reminder_posts(server)


async def test_day_before_keeps_local_time_across_both_dst_changes_of_2026(server: Server, running: RunningBot) -> None:
    server.clock.now = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    bot = await running.start()
    # Monday 30 March 2026 17:30 CEST, the day after clocks went forward: due Sunday 29 March 17:30 CEST = 15:30 UTC.
    await create_meeting(server, date="30/3/2026")
    # Monday 26 October 2026 17:30 CET, the day after clocks went back: due Sunday 25 October 17:30 CET = 16:30 UTC.
    await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": "26/10/2026", "format": "1.0"}
    )
    await settle_bot(bot)
    spring = {r.subject: r.due_at for r in await rounds.for_meeting(bot.db, 1) if r.kind is RoundKind.REMINDER}
    autumn = {r.subject: r.due_at for r in await rounds.for_meeting(bot.db, 2) if r.kind is RoundKind.REMINDER}
    assert spring["1d"] == datetime(2026, 3, 29, 15, 30, tzinfo=UTC)
    assert autumn["1d"] == datetime(2026, 10, 25, 16, 30, tzinfo=UTC)
    assert autumn["7d"] == datetime(2026, 10, 19, 15, 30, tzinfo=UTC)  # a week before: still summer time

    server.clock.now = datetime(2026, 3, 29, 14, 30, tzinfo=UTC)  # an hour early if UTC offsets were subtracted
    await bot.rounds.run_due()
    assert not [p for p in reminder_posts(server) if "i morgen" in p.embeds[0]["description"]]
    server.clock.now = datetime(2026, 3, 29, 15, 30, tzinfo=UTC)
    await bot.rounds.run_due()
    assert [p for p in reminder_posts(server) if "i morgen" in p.embeds[0]["description"]]


async def test_remind_now_is_extra_and_the_scheduled_one_still_goes_once(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await create_meeting(server)
    await server.emu.react(server.mette, post, GOING)
    await settle_bot(bot)
    refused = await server.emu.run_command(
        server.john, server.announcements, "meeting remind", options={"meeting": "1"}
    )
    assert "Only organisers" in refused.content or "Det kan kun arrangørerne" in refused.content
    now = await server.emu.run_command(
        server.organiser, server.announcements, "meeting remind", options={"meeting": "1"}
    )
    assert now.ephemeral and "1 medlemmer får en direkte besked" in now.content  # answered at once

    def reports() -> list[str]:
        return [m.content for m in server.emu.channel_messages(server.organisers_channel) if "Påmindelse" in m.content]

    await server.emu.wait_for(reports, timeout=10)
    assert "1 direkte beskeder sendt" in reports()[0]
    server.clock.now = DAY_BEFORE
    await bot.rounds.run_due()
    assert len(reminder_posts(server)) == 2
    assert len(reminder_dms(server, server.mette)) == 2


async def test_monthly_post_lists_the_months_meetings_or_tells_organisers(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    await create_meeting(server)
    await settle_bot(bot)
    server.clock.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 1 December 09:00 in Copenhagen
    await bot.rounds.run_due()
    monthly = [
        m for m in server.emu.channel_messages(server.announcements) if m.embeds and "Møder i" in m.embeds[0]["title"]
    ]
    assert [m.embeds[0]["title"] for m in monthly] == ["Møder i december 2026"]
    assert "tirsdag 1. december 2026 17:30" in monthly[0].embeds[0]["description"]
    server.clock.now = datetime(2027, 1, 1, 8, 0, tzinfo=UTC)
    await bot.rounds.run_due()
    notices = [m.content for m in server.emu.channel_messages(server.organisers_channel)]
    assert any("ikke planlagt noget møde i januar 2027" in notice for notice in notices)


async def test_a_refused_channel_post_is_retried_later_without_losing_the_dms(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    post = await create_meeting(server)
    await server.emu.react(server.mette, post, GOING)
    await settle_bot(bot)
    server.guild.set_permissions(server.announcements, server.emu.bot_user, deny=Perm.SEND_MESSAGES)
    server.clock.now = DAY_BEFORE
    await bot.rounds.run_due()
    assert not reminder_posts(server) and not reminder_dms(server, server.mette)
    server.guild.set_permissions(server.announcements, server.emu.bot_user)  # the organisers fix the permission
    server.clock.advance(timedelta(minutes=1))
    await bot.rounds.run_due()
    assert len(reminder_posts(server)) == 1
    assert len(reminder_dms(server, server.mette)) == 1


async def test_dm_channels_are_opened_once_per_member(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await create_meeting(server)
    await server.emu.react(server.mette, post, GOING)
    await settle_bot(bot)
    server.clock.now = DAY_BEFORE
    await bot.rounds.run_due()
    opened = server.emu.count("POST", r"^/users/@me/channels$")
    bot = await running.restart()  # discord.py's own cache is gone; the stored channel id is not
    await server.emu.run_command(server.organiser, server.announcements, "meeting remind", options={"meeting": "1"})
    await server.emu.wait_for(lambda: len(reminder_dms(server, server.mette)) == 2, timeout=10)
    assert server.emu.count("POST", r"^/users/@me/channels$") == opened
