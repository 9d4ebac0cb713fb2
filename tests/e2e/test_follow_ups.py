"""What follows a member's button is written with the change it follows: when the button's answer fails (the
interaction expired, Discord had an error), the waiting list is still told, exactly once, also after a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.rsvp import RsvpState
from db import rsvps
from tests.e2e.conftest import RunningBot, Server, assigned_hot_seat, settle_bot
from tests.fakediscord import FakeMessage, FakeUser, iter_components

GOING = "✅"
SEAT_FREED = "Godt nyt: der er blevet en plads ledig"
INTRO_FREED = "Der er blevet en plads ledig til nye medlemmer"
# Discord's answer to a callback for an interaction that expired.
CALLBACK = r"/interactions/\d+/[^/]+/callback"


def refuse_answers(server: Server) -> None:
    server.emu.refuse("POST", CALLBACK, status=404, code=10062, message="Unknown interaction")


def button(message: FakeMessage, part: str) -> str:
    return next(c["custom_id"] for c in iter_components(message.components) if part in c.get("custom_id", ""))


def dms_with(server: Server, user: FakeUser, text: str) -> int:
    return sum(text in dm.content for dm in server.emu.dms_to(user))


async def create(server: Server, date: str = "1/12", format: str = "2.0", **options: object) -> FakeMessage:
    result = await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": date, "format": format, **options}
    )
    assert "Oprettet og annonceret" in result.followups[-1].content, result.followups[-1].content
    return [m for m in server.emu.channel_messages(server.announcements) if m.embeds][-1]


async def full_meeting(server: Server, running: RunningBot) -> FakeMessage:
    bot = running.bot
    assert bot is not None
    post = await create(server, capacity=1)
    await server.emu.react(server.mette, post, GOING)
    await server.emu.react(server.john, post, GOING)
    await settle_bot(bot)
    return post


async def test_cant_come_tells_the_next_one_even_when_the_answer_fails(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    await full_meeting(server, running)
    server.clock.now = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    await bot.rounds.run_due()
    (question,) = [dm for dm in server.emu.dms_to(server.mette) if "Kommer du stadig" in dm.content]

    refuse_answers(server)
    await server.emu.click(server.mette, question, button(question, ":no"), require_response=False)
    await settle_bot(bot)
    await server.emu.wait_for(lambda: dms_with(server, server.john, SEAT_FREED) == 1)
    assert await rsvps.state_of(bot.db, 1, server.john.id) is RsvpState.GOING

    bot = await running.restart()
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert dms_with(server, server.john, SEAT_FREED) == 1


async def test_a_declined_intro_tells_the_next_newcomer_even_when_the_answer_fails(
    server: Server, running: RunningBot
) -> None:
    newcomers = []
    for index in range(4):
        user = server.emu.add_user(f"Ny{index}", locale="da")
        server.guild.add_member(user, joined_at=datetime(2026, 11, 1 + index, tzinfo=UTC))
        newcomers.append(user)
    bot = await running.start()
    await create(server, "14/12", "1.0")
    server.clock.now = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    await bot.rounds.run_due()
    invitations = [
        next(dm for dm in server.emu.dms_to(user) if "Vil du præsentere" in dm.content) for user in newcomers
    ]
    for user, invitation in zip(newcomers, invitations, strict=True):  # three get the slots, the fourth waits
        await server.emu.click(user, invitation, button(invitation, ":yes"))

    refuse_answers(server)
    first = newcomers[0]
    await server.emu.click(first, invitations[0], button(invitations[0], ":no"), require_response=False)
    await settle_bot(bot)
    await server.emu.wait_for(lambda: dms_with(server, newcomers[3], INTRO_FREED) == 1)

    bot = await running.restart()
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert dms_with(server, newcomers[3], INTRO_FREED) == 1


async def test_forget_tells_the_waiting_list_even_when_the_answer_fails(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    await full_meeting(server, running)
    await server.emu.run_command(server.mette, server.announcements, "suggest", {"topic": "Moms for begyndere"})
    (idea,) = [m for m in server.emu.channel_messages(server.announcements) if "Emneforslag fra" in m.content]
    asked = await server.emu.run_command(server.mette, server.announcements, "forget")
    confirm = next(c["custom_id"] for c in iter_components(asked.components) if c.get("label") == "Slet")

    refuse_answers(server)
    await server.emu.click(server.mette, asked.message, confirm, require_response=False)
    await settle_bot(bot)
    await server.emu.wait_for(lambda: dms_with(server, server.john, SEAT_FREED) == 1)
    await server.emu.wait_for(lambda: idea.deleted)

    bot = await running.restart()
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert dms_with(server, server.john, SEAT_FREED) == 1


async def test_a_hot_seat_sign_up_reaches_the_organisers_even_when_the_answer_fails(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    await create(server, "1/12", "2.0")
    refuse_answers(server)
    await server.emu.run_command(
        server.mette,
        server.announcements,
        "hotseat",
        options={"kind": "hot_seat", "topic": "Prissætning"},
        require_response=False,
    )
    await settle_bot(bot)

    def notices() -> int:
        return sum("Ny frivillig: Mette" in m.content for m in server.emu.channel_messages(server.organisers_channel))

    await server.emu.wait_for(lambda: notices() == 1)
    bot = await running.restart()
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert notices() == 1


async def test_a_withdrawn_confirmed_slot_reaches_the_organisers_even_when_the_answer_fails(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    await create(server, "1/12", "2.0")
    signed = await assigned_hot_seat(server, bot)

    def notices() -> int:
        return sum("har trukket sig" in m.content for m in server.emu.channel_messages(server.organisers_channel))

    refuse_answers(server)
    withdraw = button(signed.message, "mv:hs-withdraw:")
    await server.emu.click(server.mette, signed.message, withdraw, require_response=False)
    await settle_bot(bot)
    await server.emu.wait_for(lambda: notices() == 1)

    bot = await running.restart()
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert notices() == 1


async def test_an_assigned_member_hears_of_it_even_when_the_organisers_answer_fails(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    await create(server, "1/12", "2.0")
    await server.emu.run_command(
        server.mette, server.announcements, "hotseat", options={"kind": "hot_seat", "topic": "Prissætning"}
    )
    refuse_answers(server)
    await server.emu.run_command(
        server.organiser,
        server.announcements,
        "program assign",
        options={"meeting": "1", "slot": "hot_seat", "member": server.mette},
        require_response=False,
    )
    await settle_bot(bot)
    confirmed = "Du er bekræftet til Den varme stol"
    await server.emu.wait_for(lambda: dms_with(server, server.mette, confirmed) == 1)
    (dm,) = [dm for dm in server.emu.dms_to(server.mette) if confirmed in dm.content]
    assert button(dm, "mv:brief:1")  # the hot seat is asked for a brief from the DM

    bot = await running.restart()
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert dms_with(server, server.mette, confirmed) == 1


async def test_an_assignment_taken_back_before_its_dm_went_out_is_not_told(server: Server, running: RunningBot) -> None:
    """The "you are confirmed" DM is a round written with the assignment; if Discord holds it up and the organiser
    unassigns the member meanwhile, the retry must not tell them a slot they no longer have."""
    bot = await running.start()
    await create(server, "1/12", "2.0")
    dms_only = rf"^/channels/(?!{server.announcements.id}/|{server.organisers_channel.id}/)\d+/messages$"
    server.emu.refuse("POST", dms_only, times=3, status=503, code=0, message="Service Unavailable")
    await assigned_hot_seat(server, bot)
    out = await server.emu.run_command(
        server.organiser, server.announcements, "program unassign", options={"meeting": "1", "member": server.mette}
    )
    assert out.ephemeral
    await settle_bot(bot)
    server.clock.now += timedelta(minutes=10)
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert [dm.content for dm in server.emu.dms_to(server.mette) if "Den varme stol" in dm.content] == []
