"""Buttons pressed after a meeting began: one rule (answers close at the start) for every button, reaction, command
and promotion. Nothing moves on the waiting list, nobody is told a seat freed up, and a held slot stays history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.rsvp import RsvpState
from db import program, rsvps
from tests.e2e.conftest import RunningBot, Server, assigned_hot_seat, settle_bot
from tests.fakediscord import FakeMessage, FakeUser, iter_components

GOING = "✅"
# Meeting 1 is on 1/12 at 17:30 in Copenhagen (16:30 UTC) and lasts 150 minutes.
DURING = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
AFTER = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SEAT_FREED = ("Godt nyt: der er blevet en plads ledig", "Good news: a seat freed up")


async def create(server: Server, date: str = "1/12", format: str = "2.0", **options: Any) -> FakeMessage:
    result = await server.emu.run_command(
        server.organiser,
        server.announcements,
        "meeting create",
        options={"date": date, "format": format, **options},
    )
    assert "Oprettet og annonceret" in result.followups[-1].content, result.followups[-1].content
    return [m for m in server.emu.channel_messages(server.announcements) if m.embeds][-1]


def button(message: FakeMessage, part: str) -> str:
    """The custom id of the message's button whose id contains ``part``."""
    return next(c["custom_id"] for c in iter_components(message.components) if part in c.get("custom_id", ""))


def told_seat_freed(server: Server, user: FakeUser) -> bool:
    return any(any(text in dm.content for text in SEAT_FREED) for dm in server.emu.dms_to(user))


async def full_meeting_with_john_waiting(server: Server, running: RunningBot) -> FakeMessage:
    """Meeting 1 with one seat: Mette has it, John waits (and the bot knows he reads English)."""
    bot = running.bot
    assert bot is not None
    post = await create(server, capacity=1)
    await server.emu.run_command(server.john, server.announcements, "meeting next", locale="en-US")
    await server.emu.react(server.mette, post, GOING)
    await server.emu.react(server.john, post, GOING)
    await settle_bot(bot)
    assert await rsvps.state_of(bot.db, 1, server.john.id) is RsvpState.WAITING
    return post


async def assert_nothing_moved(server: Server, running: RunningBot) -> None:
    bot = running.bot
    assert bot is not None
    await settle_bot(bot)
    assert await rsvps.state_of(bot.db, 1, server.mette.id) is RsvpState.GOING
    assert await rsvps.state_of(bot.db, 1, server.john.id) is RsvpState.WAITING
    assert not told_seat_freed(server, server.john)


async def test_cant_come_after_the_start_frees_no_seat(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    await full_meeting_with_john_waiting(server, running)
    server.clock.now = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # "Still coming?" goes out two days before
    await bot.rounds.run_due()
    (question,) = [dm for dm in server.emu.dms_to(server.mette) if "Kommer du stadig" in dm.content]

    server.clock.now = DURING
    answer = await server.emu.click(server.mette, question, button(question, ":no"))
    assert answer.ephemeral and "Det møde er allerede begyndt." in answer.content
    await assert_nothing_moved(server, running)


async def test_reactions_after_the_start_change_no_answer(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await full_meeting_with_john_waiting(server, running)
    server.clock.now = DURING
    await server.emu.unreact(server.mette, post, GOING)
    late = server.emu.add_user("Sen", locale="da")
    await server.emu.member_join(server.guild, late)
    await server.emu.react(late, post, GOING)
    await assert_nothing_moved(server, running)
    assert await rsvps.state_of(bot.db, 1, late.id) is None
    # The post keeps showing what was answered: the late reaction is taken back, the answer kept stays.
    await server.emu.wait_for(lambda: late.id not in post.reactions[GOING])
    assert server.john.id in post.reactions[GOING]


async def test_more_seats_during_the_meeting_move_nobody_up(server: Server, running: RunningBot) -> None:
    await running.start()
    await full_meeting_with_john_waiting(server, running)
    server.clock.now = DURING
    await server.emu.run_command(
        server.organiser, server.announcements, "meeting edit", options={"meeting": "1", "capacity": 5}
    )
    await assert_nothing_moved(server, running)


async def test_removing_a_guest_after_the_start_is_refused(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await create(server, capacity=2)
    opened = await server.emu.click(server.mette, post, "mv:guests:1")
    assert opened.modal is not None
    await server.emu.submit_modal(server.mette, opened, {"name": "Ole", "business": "Oles VVS"})
    await server.emu.react(server.mette, post, GOING)
    await server.emu.react(server.john, post, GOING)
    await settle_bot(bot)
    panel = await server.emu.click(server.mette, post, "mv:guests:1")

    server.clock.now = DURING
    removed = await server.emu.click(server.mette, panel.message, button(panel.message, "mv:guest-del:"))
    assert removed.ephemeral and "Det møde er allerede begyndt." in removed.content
    await assert_nothing_moved(server, running)
    assert [guest.name for guest in await rsvps.guests_of(bot.db, 1, server.mette.id)] == ["Ole"]


async def test_intro_yes_checks_the_meeting_and_the_newcomer_again(server: Server, running: RunningBot) -> None:
    anna = server.emu.add_user("Anna", locale="da")
    bent = server.emu.add_user("Bent", locale="da")
    server.guild.add_member(anna, joined_at=datetime(2026, 11, 1, tzinfo=UTC))
    server.guild.add_member(bent, joined_at=datetime(2026, 11, 2, tzinfo=UTC))
    bot = await running.start()
    await create(server, "8/12", "1.0")
    await create(server, "14/12", "1.0")
    signed = await server.emu.run_command(anna, server.announcements, "intro", options={"meeting": "1"})
    assert "Du præsenterer på" in signed.content
    server.clock.now = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # ten days before meeting 2
    await bot.rounds.run_due()
    await settle_bot(bot)
    invitation = {
        user.id: next(dm for dm in server.emu.dms_to(user) if "Vil du præsentere" in dm.content and "14." in dm.content)
        for user in (anna, bent)
    }

    # Anna presented at meeting 1 since she was invited: the old "yes" no longer takes a slot.
    server.clock.now = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    presented = await server.emu.click(anna, invitation[anna.id], button(invitation[anna.id], ":yes"))
    assert "Du har allerede præsenteret dig" in presented.content
    # Meeting 2 became a 2.0 meeting: intros belong to 1.0 meetings.
    await server.emu.run_command(
        server.organiser, server.announcements, "meeting edit", options={"meeting": "2", "format": "2.0"}
    )
    other_format = await server.emu.click(bent, invitation[bent.id], button(invitation[bent.id], ":yes"))
    assert "hører til 1.0-møderne" in other_format.content
    assert await program.intro_signup(bot.db, 2, anna.id) is None
    assert await program.intro_signup(bot.db, 2, bent.id) is None


async def test_withdraw_after_the_meeting_keeps_the_slot_in_the_history(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    await create(server, "1/12", "2.0")
    await create(server, "5/1/2027", "2.0")
    signed = await assigned_hot_seat(server, bot)

    server.clock.now = AFTER
    late = await server.emu.click(server.mette, signed.message, button(signed.message, "mv:hs-withdraw:"))
    assert late.ephemeral and "Det møde er allerede begyndt." in late.content
    await settle_bot(bot)
    assert not any("har trukket sig" in m.content for m in server.emu.channel_messages(server.organisers_channel))
    await server.emu.run_command(
        server.mette, server.announcements, "hotseat", options={"kind": "hot_seat", "topic": "Næste udfordring"}
    )
    shown = await server.emu.run_command(
        server.organiser, server.announcements, "program show", options={"meeting": "2"}
    )
    description = shown.embeds[0]["description"]
    assert "sidste plads" in description and "aldrig haft en plads" not in description
