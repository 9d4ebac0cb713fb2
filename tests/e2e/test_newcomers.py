"""Newcomers end to end: the welcome, /intro, and invitations to present whose buttons survive a restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from db import program
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.fakediscord import FakeMessage, FakeUser, iter_components

LONG_AGO = datetime(2024, 1, 10, tzinfo=UTC)


async def create(server: Server, date: str, format: str) -> FakeMessage:
    result = await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": date, "format": format}
    )
    assert "Oprettet og annonceret" in result.followups[-1].content, result.followups[-1].content
    return [m for m in server.emu.channel_messages(server.announcements) if m.embeds][-1]


def program_field(post: FakeMessage) -> str | None:
    return next((f["value"] for f in post.embeds[0]["fields"] if f["name"] == "Program"), None)


async def test_newcomers_are_welcomed_by_dm_or_in_the_channel(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    await create(server, "1/12", "1.0")
    anna = server.emu.add_user("Anna", locale="da")
    closed = server.emu.add_user("Lukket", locale="da", accepts_dms=False)
    await server.emu.member_join(server.guild, anna)
    await server.emu.member_join(server.guild, closed)
    await settle_bot(bot)
    (welcome,) = server.emu.dms_to(anna)
    assert "Velkommen i MikroVirk" in welcome.content and "tirsdag 1. december 2026" in welcome.content
    greetings = [m for m in server.emu.channel_messages(server.announcements) if f"<@{closed.id}>" in m.content]
    assert len(greetings) == 1
    await server.emu.member_leave(server.guild, anna)
    await server.emu.member_join(server.guild, anna)  # a rejoin is not welcomed twice
    await settle_bot(bot)
    assert len(server.emu.dms_to(anna)) == 1


async def test_intro_for_newcomers_only(server: Server, running: RunningBot) -> None:
    veteran = server.emu.add_user("Veteran", locale="da")
    server.guild.add_member(veteran, joined_at=LONG_AGO)
    bot = await running.start()
    none_yet = await server.emu.run_command(server.mette, server.announcements, "intro")
    assert "ikke planlagt noget 1.0-møde" in none_yet.content
    post = await create(server, "1/12", "1.0")
    anna = server.emu.add_user("Anna", locale="da")
    await server.emu.member_join(server.guild, anna)
    await settle_bot(bot)
    signed = await server.emu.run_command(anna, server.announcements, "intro")
    assert signed.ephemeral and "Du præsenterer på" in signed.content
    await settle_bot(bot)
    assert program_field(post) == "👋 Nyt medlem præsenterer sig: Anna"
    refused = await server.emu.run_command(veteran, server.announcements, "intro")
    assert "inden for de sidste 120 dage" in refused.content


async def test_invitation_buttons_work_after_a_restart_and_never_overfill(server: Server, running: RunningBot) -> None:
    newcomers: list[FakeUser] = []
    for index in range(5):
        user = server.emu.add_user(f"Ny{index}", locale="da")
        server.guild.add_member(user, joined_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=index))
        newcomers.append(user)
    bot = await running.start()
    post = await create(server, "14/12", "1.0")
    await settle_bot(bot)
    server.clock.now = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # ten days before
    await bot.rounds.run_due()
    invitations = [
        next(dm for dm in server.emu.dms_to(user) if "Vil du præsentere" in dm.content) for user in newcomers
    ]
    bot = await running.restart()
    yes_clicks = [
        server.emu.click(
            user,
            invitation,
            next(
                c["custom_id"]
                for c in iter_components(invitation.components)
                if c.get("custom_id", "").endswith(":yes")
            ),
        )
        for user, invitation in zip(newcomers, invitations, strict=True)
    ]
    answers = await asyncio.gather(*yes_clicks)
    confirmed = [a for a in answers if "Du præsenterer på" in a.content]
    waiting = [a for a in answers if "ventelisten" in a.content]
    assert (len(confirmed), len(waiting)) == (3, 2)
    await settle_bot(bot)
    slots = await program.confirmed(bot.db, 1)
    assert len(slots) == 3 and {slot.kind for slot in slots} == {"intro"}
    assert program_field(post) is not None and program_field(post).count("👋") == 3  # type: ignore[union-attr]

    first = next(user for user, answer in zip(newcomers, answers, strict=True) if "Du præsenterer på" in answer.content)
    decline = await server.emu.run_command(first, server.announcements, "intro")  # already in: stays confirmed
    assert "Du præsenterer på" in decline.content


async def test_a_declined_slot_goes_to_the_first_waiting_newcomer(server: Server, running: RunningBot) -> None:
    newcomers: list[FakeUser] = []
    for index in range(4):
        user = server.emu.add_user(f"Ny{index}", locale="da")
        server.guild.add_member(user, joined_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=index))
        newcomers.append(user)
    bot = await running.start()
    await create(server, "14/12", "1.0")
    await settle_bot(bot)
    server.clock.now = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    await bot.rounds.run_due()
    invitations = {
        user.id: next(dm for dm in server.emu.dms_to(user) if "Vil du præsentere" in dm.content) for user in newcomers
    }

    def button(user: FakeUser, answer: str) -> str:
        return next(
            c["custom_id"]
            for c in iter_components(invitations[user.id].components)
            if c.get("custom_id", "").endswith(f":{answer}")
        )

    for user in newcomers:  # three get the slots, the fourth waits
        await server.emu.click(user, invitations[user.id], button(user, "yes"))
    no = await server.emu.click(newcomers[0], invitations[newcomers[0].id], button(newcomers[0], "no"))
    assert "måske næste gang" in no.content
    await settle_bot(bot)
    assert any("Der er blevet en plads ledig" in dm.content for dm in server.emu.dms_to(newcomers[3]))
    assert {slot.user_id for slot in await program.confirmed(bot.db, 1)} == {u.id for u in newcomers[1:]}
