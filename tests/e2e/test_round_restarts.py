"""The restart matrix: every timed kind, restarted before it is due, while it is overdue (sent late, or skipped when it
no longer makes sense), after it went out, and killed in the middle of a fan-out. Each member gets each message
exactly once, and nothing skipped is ever sent later."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.client import MikroVirkBot
from bot.rounds import Round, RoundKind, RoundState
from db import rounds
from tests.e2e.conftest import RunningBot, Server, assigned_hot_seat, settle_bot
from tests.fakediscord import FakeMessage, FakeUser, iter_components

MEETING = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # "1/12" at 17:30 in Copenhagen
MEETING_END = MEETING + timedelta(minutes=150)
TOOLS_MEETING = datetime(2026, 12, 14, 16, 30, tzinfo=UTC)  # "14/12", a 1.0 meeting for newcomer invitations

Effects = Callable[[Server], list[str]]


@dataclass(frozen=True)
class Case:
    """One timed kind: how to set it up, when it is due, and what one delivery shows (one entry per message)."""

    kind: RoundKind
    prepare: Callable[[Server, MikroVirkBot], Awaitable[None]]
    due: datetime
    too_late: datetime | None  # when it no longer makes sense (skipped), None if it always does
    effects: Effects
    expected: int  # entries in effects after one delivery

    @property
    def late(self) -> datetime:
        return self.due + timedelta(hours=3)

    def __str__(self) -> str:
        return self.kind.value


async def meeting(server: Server, *, date: str = "1/12", format: str = "2.0", **options: object) -> FakeMessage:
    result = await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": date, "format": format, **options}
    )
    assert "Oprettet og annonceret" in result.followups[-1].content, result.followups[-1].content
    return [m for m in server.emu.channel_messages(server.announcements) if m.embeds][-1]


def dms(server: Server, users: list[FakeUser], *needles: str) -> list[str]:
    return [
        f"dm:{user.name}" for user in users for m in server.emu.dms_to(user) if any(n in m.content for n in needles)
    ]


def posts(server: Server, title: str) -> list[str]:
    found = server.emu.channel_messages(server.announcements)
    return [f"post:{m.id}" for m in found if m.embeds and (m.embeds[0].get("title") or "").startswith(title)]


# -- the kinds ----------------------------------------------------------------------------------------------------


async def prepare_reminder(server: Server, bot: MikroVirkBot) -> None:
    post = await meeting(server)
    await server.emu.react(server.mette, post, "✅")
    await server.emu.react(server.john, post, "❔")


def reminder_effects(server: Server) -> list[str]:
    return posts(server, "Påmindelse") + dms(server, [server.mette, server.john], "Påmindelse", "Reminder")


async def prepare_still_coming(server: Server, bot: MikroVirkBot) -> None:
    post = await meeting(server, capacity=1)
    await server.emu.react(server.mette, post, "✅")
    await server.emu.react(server.john, post, "✅")  # the waiting list


def still_coming_effects(server: Server) -> list[str]:
    return dms(server, [server.mette, server.john], "Kommer du stadig", "Still coming")


NEWCOMERS = ("Anna", "Bo")


async def prepare_invitations(server: Server, bot: MikroVirkBot) -> None:
    for name in NEWCOMERS:
        user = server.emu.add_user(name, locale="da")
        await server.emu.member_join(server.guild, user)
    await meeting(server, date="14/12", format="1.0")


def invitation_effects(server: Server) -> list[str]:
    newcomers = [user for user in server.emu.world.users.values() if user.name in NEWCOMERS]
    return dms(server, newcomers, "Vil du præsentere")


async def prepare_brief(server: Server, bot: MikroVirkBot) -> None:
    await meeting(server)
    await assigned_hot_seat(server, bot)
    (assigned,) = [dm for dm in server.emu.dms_to(server.mette) if "Den varme stol" in dm.content]
    opened = await server.emu.click(server.mette, assigned, "mv:brief:1")
    await server.emu.submit_modal(server.mette, opened, {"brief": "Jeg tager for lidt for mine ydelser."})


def brief_effects(server: Server) -> list[str]:
    announcement = next(m for m in server.emu.channel_messages(server.announcements) if m.embeds)
    thread = server.emu.thread_of(announcement)
    return [] if thread is None else [f"brief:{m.id}" for m in server.emu.channel_messages(thread)]


async def prepare_meeting(server: Server, bot: MikroVirkBot) -> None:
    post = await meeting(server)
    await server.emu.react(server.mette, post, "✅")
    await server.emu.react(server.john, post, "✅")


def checkin_button(server: Server) -> list[str]:
    announcement = next(m for m in server.emu.channel_messages(server.announcements) if m.embeds)
    return ["button" for c in iter_components(announcement.components) if c.get("label") == "Tjek ind"]


def feedback_effects(server: Server) -> list[str]:
    return posts(server, "Feedback") + dms(server, [server.mette, server.john], "Hvor værdifuldt", "How valuable")


async def prepare_feedback_close(server: Server, bot: MikroVirkBot) -> None:
    await prepare_meeting(server, bot)
    await settle_bot(bot)
    server.clock.now = MEETING_END + timedelta(hours=1)  # the poll goes out first
    await bot.rounds.run_due()


def feedback_summary(server: Server) -> list[str]:
    return [f"summary:{m.id}" for m in server.emu.channel_messages(server.organisers_channel) if "lukket" in m.content]


def monthly_effects(server: Server) -> list[str]:
    return posts(server, "Møder i december")


async def prepare_poll(server: Server, bot: MikroVirkBot) -> None:
    created = await server.emu.run_command(
        server.organiser,
        server.announcements,
        "poll create",
        options={"question": "Hvilken dag passer bedst?", "options": "Mandag;Tirsdag", "closes_in": "1d"},
    )
    assert created.ephemeral


def poll_closed(server: Server) -> list[str]:
    found = server.emu.channel_messages(server.announcements)
    return [
        "closed" for m in found if m.embeds and (m.embeds[0].get("footer") or {}).get("text", "").startswith("Lukket")
    ]


CASES = [
    Case(RoundKind.REMINDER, prepare_reminder, MEETING - timedelta(days=1), MEETING, reminder_effects, 3),
    Case(RoundKind.STILL_COMING, prepare_still_coming, MEETING - timedelta(days=2), MEETING, still_coming_effects, 1),
    Case(
        RoundKind.INTRO_INVITE,
        prepare_invitations,
        TOOLS_MEETING - timedelta(days=10),
        TOOLS_MEETING,
        invitation_effects,
        2,
    ),
    Case(RoundKind.HOTSEAT_BRIEF, prepare_brief, MEETING - timedelta(days=2), MEETING, brief_effects, 1),
    Case(RoundKind.CHECKIN_OPEN, prepare_meeting, MEETING - timedelta(hours=1), MEETING_END, checkin_button, 1),
    Case(RoundKind.CHECKIN_CLOSE, prepare_meeting, MEETING_END, None, checkin_button, 0),
    Case(
        RoundKind.FEEDBACK_POLL,
        prepare_meeting,
        MEETING_END + timedelta(hours=1),
        MEETING_END + timedelta(days=7, hours=1),
        feedback_effects,
        3,
    ),
    Case(
        RoundKind.FEEDBACK_CLOSE,
        prepare_feedback_close,
        MEETING_END + timedelta(days=7, hours=1),
        None,
        feedback_summary,
        1,
    ),
    Case(RoundKind.MONTHLY, prepare_meeting, datetime(2026, 12, 1, 8, 0, tzinfo=UTC), None, monthly_effects, 1),
    Case(RoundKind.POLL_CLOSE, prepare_poll, datetime(2026, 11, 27, 9, 0, tzinfo=UTC), None, poll_closed, 1),
]


# -- the matrix ---------------------------------------------------------------------------------------------------


async def the_row(bot: MikroVirkBot, case: Case) -> Round:
    """The one row of the case's kind that the planning made (the first, oldest)."""
    guild_id = bot.config.discord.guild_id
    found = [row for row in await rounds.unfinished(bot.db, guild_id) if row.kind is case.kind]
    if not found:
        async with bot.db.read() as conn:
            ids = await conn.fetchall("SELECT id FROM rounds WHERE kind = ? ORDER BY id", (case.kind.value,))
        found = [row for row in [await rounds.get(bot.db, r["id"]) for r in ids] if row is not None]
    assert found, f"no {case.kind} row was planned"
    return found[0]


async def finished(bot: MikroVirkBot, round_id: int) -> RoundState:
    async def done() -> RoundState | None:
        row = await rounds.get(bot.db, round_id)
        return row.state if row is not None and row.state.finished else None

    state: RoundState = await asyncio.wait_for(_poll(done), timeout=15)
    return state


async def _poll(check: Callable[[], Awaitable[RoundState | None]]) -> RoundState:
    while (state := await check()) is None:
        await asyncio.sleep(0.02)
    return state


async def delivered_once(server: Server, bot: MikroVirkBot, case: Case) -> None:
    await settle_bot(bot)
    await asyncio.sleep(0.1)  # a second delivery, if any, would have started by now
    effects = case.effects(server)
    assert len(effects) == case.expected, effects
    assert all(count == 1 for count in Counter(effects).values()), f"sent twice: {effects}"


async def prepared(server: Server, running: RunningBot, case: Case) -> tuple[MikroVirkBot, Round]:
    bot = await running.start()
    await case.prepare(server, bot)
    await settle_bot(bot)
    row = await the_row(bot, case)
    assert row.state is RoundState.PENDING and row.due_at == case.due, row
    assert server.clock.now < case.due
    return bot, row


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_restart_before_it_is_due(server: Server, running: RunningBot, case: Case) -> None:
    bot, row = await prepared(server, running, case)
    bot = await running.restart()
    server.clock.now = case.due - timedelta(minutes=1)
    await bot.rounds.run_due()
    assert (await rounds.get(bot.db, row.id)).state is RoundState.PENDING  # type: ignore[union-attr]
    server.clock.now = case.due
    await bot.rounds.run_due()
    assert await finished(bot, row.id) is RoundState.SENT
    await delivered_once(server, bot, case)


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_restart_while_overdue_sends_it_once_and_late(server: Server, running: RunningBot, case: Case) -> None:
    bot, row = await prepared(server, running, case)
    await running.stop()
    server.clock.now = case.late  # down when it was due; it still makes sense
    bot = await running.start()  # the start arms it at once
    assert await finished(bot, row.id) is RoundState.SENT
    await delivered_once(server, bot, case)
    if case.kind is RoundKind.REMINDER:
        assert all("Sendt for sent" in (m.embeds[0].get("description") or "") for m in reminder_posts(server))


@pytest.mark.parametrize("case", [case for case in CASES if case.too_late is not None], ids=str)
async def test_restart_after_it_stopped_making_sense_skips_it(server: Server, running: RunningBot, case: Case) -> None:
    bot, row = await prepared(server, running, case)
    before = case.effects(server)
    await running.stop()
    assert case.too_late is not None
    server.clock.now = case.too_late + timedelta(minutes=1)
    bot = await running.start()
    assert await finished(bot, row.id) is RoundState.SKIPPED
    skipped = await rounds.get(bot.db, row.id)
    assert skipped is not None and skipped.reason  # the reason is kept with the row
    bot = await running.restart()  # and a skipped row never comes back
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert (await rounds.get(bot.db, row.id)).state is RoundState.SKIPPED  # type: ignore[union-attr]
    if case.kind not in (RoundKind.CHECKIN_OPEN,):  # the button renders from the clock, not from the row
        assert case.effects(server) == before


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_restart_after_it_went_out_sends_nothing_again(server: Server, running: RunningBot, case: Case) -> None:
    bot, row = await prepared(server, running, case)
    server.clock.now = case.due
    await bot.rounds.run_due()
    assert await finished(bot, row.id) is RoundState.SENT
    await delivered_once(server, bot, case)
    for _ in range(2):
        bot = await running.restart()
        await bot.rounds.run_due()
        await delivered_once(server, bot, case)
    assert (await rounds.get(bot.db, row.id)).state is RoundState.SENT  # type: ignore[union-attr]


def reminder_posts(server: Server) -> list[FakeMessage]:
    found = server.emu.channel_messages(server.announcements)
    return [m for m in found if m.embeds and (m.embeds[0].get("title") or "").startswith("Påmindelse")]


async def test_a_skipped_still_coming_is_never_sent_after_more_restarts(server: Server, running: RunningBot) -> None:
    """Fault 1: no capacity, so "still coming?" is skipped; restarts must never turn it into a false "it is full"."""
    bot = await running.start()
    post = await meeting(server)  # no capacity, no waiting list
    await server.emu.react(server.mette, post, "✅")
    await server.emu.react(server.john, post, "✅")
    await settle_bot(bot)
    still = await the_row(bot, CASES[1])
    await running.stop()
    server.clock.now = MEETING - timedelta(days=1, minutes=-30)  # down over both moments; the meeting is ahead
    bot = await running.start()
    assert await finished(bot, still.id) is RoundState.SKIPPED
    reminder = next(r for r in await rounds.for_meeting(bot.db, 1) if r.kind is RoundKind.REMINDER)
    assert await finished(bot, reminder.id) is RoundState.SENT
    for _ in range(3):
        bot = await running.restart()
        await bot.rounds.run_due()
        await settle_bot(bot)
    assert not still_coming_effects(server)
    assert (await rounds.get(bot.db, still.id)).reason == "no waiting list"  # type: ignore[union-attr]
    assert len(reminder_posts(server)) == 1


# -- Discord refuses: the one retry policy, then given up and told -----------------------------------------------


def announcements_post(server: Server) -> tuple[str, str]:
    return "POST", rf"^/channels/{server.announcements.id}/messages$"


def announcement_edit(server: Server) -> tuple[str, str]:
    return "PATCH", rf"^/channels/{server.announcements.id}/messages/\d+$"


# What each kind asks of Discord that an organiser's mistake (a permission taken away) can refuse. "Still coming?" and
# newcomer invitations only send DMs, whose refusals are recorded per member, never a failed round.
REFUSED = {
    RoundKind.REMINDER: announcements_post,
    RoundKind.MONTHLY: announcements_post,
    RoundKind.FEEDBACK_POLL: announcements_post,
    RoundKind.HOTSEAT_BRIEF: lambda server: ("POST", r"^/channels/\d+/messages/\d+/threads$"),
    RoundKind.CHECKIN_OPEN: announcement_edit,
    RoundKind.CHECKIN_CLOSE: announcement_edit,
    RoundKind.POLL_CLOSE: announcement_edit,
    RoundKind.FEEDBACK_CLOSE: lambda server: ("POST", rf"^/channels/{server.organisers_channel.id}/messages$"),
}
RETRIED = [case for case in CASES if case.kind in REFUSED]


@pytest.mark.parametrize("case", RETRIED, ids=str)
async def test_a_refused_round_is_retried_with_backoff_then_goes_out_once(
    server: Server, running: RunningBot, case: Case
) -> None:
    bot, row = await prepared(server, running, case)
    method, path = REFUSED[case.kind](server)
    server.emu.refuse(method, path, times=2)
    server.clock.now = case.due
    await bot.rounds.run(row.id)
    first = await rounds.get(bot.db, row.id)
    assert first is not None and first.state is RoundState.PENDING and first.attempts == 1
    assert first.retry_at == case.due + timedelta(minutes=1) and "50013" in (first.last_error or "")
    await bot.rounds.run(row.id)  # not before the retry time
    assert (await rounds.get(bot.db, row.id)).attempts == 1  # type: ignore[union-attr]
    server.clock.now = case.due + timedelta(minutes=1)
    await bot.rounds.run(row.id)
    second = await rounds.get(bot.db, row.id)
    assert second is not None and second.retry_at == server.clock.now + timedelta(minutes=2)
    bot = await running.restart()  # a restart keeps the retry time, and the moment (lateness is told right)
    server.clock.now += timedelta(minutes=2)
    await bot.rounds.run(row.id)  # (other kinds due by now are not this test's business)
    assert await finished(bot, row.id) is RoundState.SENT
    await delivered_once(server, bot, case)


@pytest.mark.parametrize("case", RETRIED, ids=str)
async def test_a_round_refused_every_time_is_given_up_logged_and_told_to_organisers(
    server: Server, running: RunningBot, case: Case, caplog: pytest.LogCaptureFixture
) -> None:
    bot, row = await prepared(server, running, case)
    method, path = REFUSED[case.kind](server)
    refusal = server.emu.refuse(method, path, times=5)
    server.clock.now = case.due
    for wait in (0, 1, 2, 4, 8):  # minutes between attempts: 1, 2, 4, 8, then given up
        server.clock.now += timedelta(minutes=wait)
        await bot.rounds.run(row.id)
    assert await finished(bot, row.id) is RoundState.FAILED
    assert refusal.refused == 5
    failed = await rounds.get(bot.db, row.id)
    assert failed is not None and failed.attempts == 5 and "Missing Permissions" in (failed.reason or "")
    assert any(record.getMessage() == "round given up" for record in caplog.records)
    await settle_bot(bot)  # the organisers hear of it by a round of its own, written with the failure
    notices = [m.content for m in server.emu.channel_messages(server.organisers_channel) if "opgav" in m.content]
    assert len(notices) == 1 and "5 forsøg" in notices[0]
    server.clock.now += timedelta(days=1)
    bot = await running.restart()  # given up is final
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert (await rounds.get(bot.db, row.id)).state is RoundState.FAILED  # type: ignore[union-attr]


# -- fan-outs: one pacer for the whole bot, and a kill in the middle --------------------------------------------


async def going_members(server: Server, post: FakeMessage, count: int) -> list[FakeUser]:
    people = []
    for index in range(count):
        person = server.emu.add_user(f"Medlem{index}", locale="da")
        await server.emu.member_join(server.guild, person)
        await server.emu.react(person, post, "✅")
        people.append(person)
    return people


async def test_two_fan_outs_at_once_share_one_pacer(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await meeting(server)
    people = await going_members(server, post, 6)
    await settle_bot(bot)
    welcomed = {p.id: len(server.emu.dms_to(p)) for p in people}

    def tail(person: FakeUser) -> list[FakeMessage]:
        return server.emu.dms_to(person)[welcomed[person.id] :]

    bot.dm.interval = 0.1
    server.clock.now = MEETING - timedelta(days=1)
    first_request = len(server.emu.requests)
    reminder = asyncio.create_task(bot.rounds.run_due(), name="round-test")
    await server.emu.wait_for(lambda: sum(len(tail(p)) for p in people) >= 2, timeout=10)
    moved = await server.emu.run_command(  # an edit's DMs start while the reminder's are going out
        server.organiser, server.announcements, "meeting edit", options={"meeting": "1", "venue": "Stege Bibliotek"}
    )
    assert "Giver de 6 medlemmer" in moved.followups[0].content
    await reminder
    await settle_bot(bot)
    kinds = [sorted("reminder" if "Påmindelse" in m.content else "change" for m in tail(p)) for p in people]
    assert kinds == [["change", "reminder"]] * 6  # one of each, nothing twice
    dm_channels = {server.emu.dm_channel(p).id for p in people}  # type: ignore[union-attr]
    sent = [
        r.time
        for r in server.emu.requests[first_request:]
        if r.method == "POST" and r.path.startswith("/channels/") and int(r.path.split("/")[2]) in dm_channels
    ]
    assert len(sent) == 12
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent)]
    assert min(gaps) >= bot.dm.interval * 0.9, gaps  # together, never faster than one pacer allows


async def test_a_kill_in_the_middle_of_a_cancellation_tells_each_member_once(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    post = await meeting(server)
    people = await going_members(server, post, 8)
    await settle_bot(bot)
    bot.dm.interval = 0.05

    def told() -> list[int]:
        return [sum("aflyst" in m.content for m in server.emu.dms_to(p)) for p in people]

    await server.emu.run_command(server.organiser, server.announcements, "meeting cancel", options={"meeting": "1"})
    await server.emu.wait_for(lambda: sum(told()) >= 3, timeout=10)
    await running.kill()
    assert 3 <= sum(told()) < 8
    bot = await running.start()  # the notice was left sending: it resumes with those not yet told
    await server.emu.wait_for(lambda: sum(told()) == 8, timeout=15)
    await settle_bot(bot)
    await asyncio.sleep(0.2)
    assert told() == [1] * 8
    assert post.embeds[0]["title"].startswith("AFLYST")
    assert [e["status"] for e in server.emu.scheduled_events(server.guild)] == [4]


async def test_a_graceful_stop_mid_fan_out_logs_each_interrupted_round_once_and_no_error(
    server: Server, running: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """systemctl restart (SIGTERM → close) while two fan-outs are in flight: one waits on the DM pacer, the other
    on a rate limit Discord imposed mid-send. Both stop without an ERROR, each says once that it resumes at start,
    and after the start each member has each message exactly once."""
    caplog.set_level(logging.INFO)
    bot = await running.start()
    cancelled = await meeting(server)
    reminded = await meeting(server, date="8/12")
    people = await going_members(server, cancelled, 8)
    for person in people:
        await server.emu.react(person, reminded, "✅")
    await settle_bot(bot)
    bot.dm.interval = 0.1

    def told() -> list[tuple[int, int]]:
        return [
            (
                sum("aflyst" in m.content for m in server.emu.dms_to(p)),
                sum("Påmindelse" in m.content for m in server.emu.dms_to(p)),
            )
            for p in people
        ]

    await server.emu.run_command(server.organiser, server.announcements, "meeting remind", options={"meeting": "2"})
    await server.emu.run_command(server.organiser, server.announcements, "meeting cancel", options={"meeting": "1"})
    await server.emu.wait_for(lambda: sum(map(sum, told())) >= 4, timeout=10)
    storm = server.emu.rate_limit_storm("message_create", times=1, retry_after=30)  # Discord says: wait 30 s
    await server.emu.wait_for(lambda: storm.answered == 1, timeout=10)
    caplog.clear()
    await asyncio.wait_for(running.stop(), timeout=5)  # the stop does not wait out the rate limit
    assert 4 <= sum(map(sum, told())) < 16
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    interrupted = [r for r in caplog.records if r.getMessage() == "round interrupted, resumes at start"]
    assert sorted((r.kind, r.meeting_id) for r in interrupted) == [  # type: ignore[attr-defined]
        (RoundKind.CANCEL_NOTICE, 1),
        (RoundKind.MANUAL_REMINDER, 2),
    ]
    assert len({r.round_id for r in interrupted}) == 2  # type: ignore[attr-defined]

    bot = await running.start()
    await server.emu.wait_for(lambda: sum(map(sum, told())) == 16, timeout=15)
    await settle_bot(bot)
    await asyncio.sleep(0.2)
    assert told() == [(1, 1)] * 8
