"""Discord's own clock: the Discord event of a meeting turns ACTIVE at its start, and organisers may still cancel or
change a meeting that is running. Discord refuses SCHEDULED-only transitions then; the bot must neither crash nor
leave anything half done: the post, every DM, the event and a truthful answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.rounds import RoundKind, RoundState
from db import rounds
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.fakediscord import FakeMessage

START = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # "1/12" at 17:30 in Copenhagen
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4


async def running_meeting(server: Server, running: RunningBot) -> tuple[FakeMessage, RunningBot]:
    bot = await running.start()
    result = await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": "1/12", "format": "2.0"}
    )
    assert "Oprettet og annonceret" in result.followups[-1].content
    (post,) = [m for m in server.emu.channel_messages(server.announcements) if m.embeds]
    await server.emu.react(server.mette, post, "✅")
    await server.emu.react(server.john, post, "❔")
    await settle_bot(bot)
    (event,) = server.emu.scheduled_events(server.guild)
    assert (event["status"] == SCHEDULED and "description" not in event) or event.get("description") is None
    server.clock.now = START + timedelta(minutes=15)  # the meeting has begun: Discord made the event ACTIVE
    (event,) = server.emu.scheduled_events(server.guild)
    assert event["status"] == ACTIVE
    return post, running


def notices(server: Server, needle: str) -> list[str]:
    return [m.content for m in server.emu.channel_messages(server.organisers_channel) if needle in m.content]


async def test_cancelling_a_running_meeting_ends_its_event_and_tells_everyone(
    server: Server, running: RunningBot
) -> None:
    post, running = await running_meeting(server, running)
    assert running.bot is not None
    bot = running.bot
    cancelled = await server.emu.run_command(
        server.organiser, server.announcements, "meeting cancel", options={"meeting": "1", "reason": "Strømsvigt"}
    )
    answer = cancelled.followups[0].content
    assert "Aflyst" in answer and "2 medlemmer" in answer and "på vej" in answer
    await settle_bot(bot)
    assert post.embeds[0]["title"].startswith("AFLYST")
    for member in (server.mette, server.john):
        (dm,) = [m for m in server.emu.dms_to(member) if "aflyst" in m.content or "cancelled" in m.content]
        assert "Strømsvigt" in dm.content
    (event,) = server.emu.scheduled_events(server.guild)
    assert event["status"] == COMPLETED  # ended: Discord refuses ACTIVE → CANCELED
    (report,) = notices(server, "Aflysningen")
    assert "2 direkte beskeder sendt" in report
    (notice,) = [r for r in await rounds.for_meeting(bot.db, 1) if r.kind is RoundKind.CANCEL_NOTICE]
    assert notice.state is RoundState.SENT
    again = await server.emu.run_command(
        server.organiser, server.announcements, "meeting cancel", options={"meeting": "1"}
    )
    assert again.ephemeral and "aflyst eller overstået" in again.content  # the truth: it is cancelled


async def test_a_refused_step_of_a_cancellation_is_retried_without_repeating_the_dms(
    server: Server, running: RunningBot
) -> None:
    post, running = await running_meeting(server, running)
    assert running.bot is not None
    bot = running.bot
    refusal = server.emu.refuse("PATCH", r"^/guilds/\d+/scheduled-events/\d+$", times=1)
    await server.emu.run_command(server.organiser, server.announcements, "meeting cancel", options={"meeting": "1"})
    await settle_bot(bot)
    assert refusal.refused >= 1
    (notice,) = [r for r in await rounds.for_meeting(bot.db, 1) if r.kind is RoundKind.CANCEL_NOTICE]
    dms_before = {user.id: len(server.emu.dms_to(user)) for user in (server.mette, server.john)}
    assert all(count == 1 for count in dms_before.values())
    assert notice.state is RoundState.PENDING and notice.retry_at == server.clock.now + timedelta(minutes=1)
    bot = await running.restart()  # even a restart in between changes nothing
    server.clock.now += timedelta(minutes=1)
    await bot.rounds.run_due()
    await settle_bot(bot)
    (notice,) = [r for r in await rounds.for_meeting(bot.db, 1) if r.kind is RoundKind.CANCEL_NOTICE]
    assert notice.state is RoundState.SENT
    assert {user.id: len(server.emu.dms_to(user)) for user in (server.mette, server.john)} == dms_before
    (event,) = server.emu.scheduled_events(server.guild)
    assert event["status"] == COMPLETED
    assert len(notices(server, "Aflysningen")) == 1
    assert post.embeds[0]["title"].startswith("AFLYST")


async def test_moving_a_running_meeting_ends_the_event_and_opens_a_new_one(server: Server, running: RunningBot) -> None:
    post, running = await running_meeting(server, running)
    assert running.bot is not None
    bot = running.bot
    moved = await server.emu.run_command(
        server.organiser, server.announcements, "meeting edit", options={"meeting": "1", "time": "18:30"}
    )
    assert "Giver de 2 medlemmer" in moved.followups[0].content
    await settle_bot(bot)
    events = sorted(server.emu.scheduled_events(server.guild), key=lambda e: e["scheduled_start_time"])
    assert [e["status"] for e in events] == [COMPLETED, SCHEDULED]
    assert events[1]["scheduled_start_time"].startswith("2026-12-01T17:30")
    assert f"<t:{int(datetime(2026, 12, 1, 17, 30, tzinfo=UTC).timestamp())}:F>" in post.embeds[0]["description"]
    assert all(any("18:30" in m.content for m in server.emu.dms_to(u)) for u in (server.mette, server.john))
    assert len(notices(server, "Ændringen")) == 1


async def test_renaming_a_running_meeting_keeps_its_event_running(server: Server, running: RunningBot) -> None:
    post, running = await running_meeting(server, running)
    assert running.bot is not None
    bot = running.bot
    renamed = await server.emu.run_command(
        server.organiser, server.announcements, "meeting edit", options={"meeting": "1", "topic": "Eksport"}
    )
    assert "Rettet" in renamed.followups[0].content
    await settle_bot(bot)
    (event,) = server.emu.scheduled_events(server.guild)
    assert event["status"] == ACTIVE and "Eksport" in event["name"]
    assert "Eksport" in str(post.embeds[0])
    assert not [m for m in server.emu.dms_to(server.mette) if "ændret" in m.content]  # nothing to plan around
    server.clock.now = START + timedelta(hours=3)  # Discord completes the event at its end
    (event,) = server.emu.scheduled_events(server.guild)
    assert event["status"] == COMPLETED
