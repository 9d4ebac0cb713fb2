"""Two members with the same form open at once: each submit lands in the form its member was shown, in either order.

Discord gives every member their own modal and sends back the custom_id of the one that member saw; discord.py
finds the open modal by that id alone. A form whose id is the same for everyone hands the first submit to the
last opener's form and drops the second.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.client import MikroVirkBot
from db import polls, profiles, program, rsvps
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.fakediscord import FakeMessage, FakeUser, InteractionResult, iter_components

MEETING_START = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # 1/12 17:30 in Copenhagen
POLL_TIME = MEETING_START + timedelta(hours=3, minutes=30)  # an hour after the meeting ends
# A dropped submit never gets an answer; wait this long before saying so.
ANSWER_WAIT = 3.0


def members(server: Server, mette_first: bool) -> tuple[FakeUser, FakeUser]:
    return (server.mette, server.john) if mette_first else (server.john, server.mette)


async def create(server: Server, format: str = "1.0") -> FakeMessage:
    result = await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": "1/12", "format": format}
    )
    assert "Oprettet og annonceret" in result.followups[-1].content, result.followups[-1].content
    return [m for m in server.emu.channel_messages(server.announcements) if m.embeds][-1]


async def submit(
    server: Server, user: FakeUser, opened: InteractionResult, values: dict[str, str]
) -> InteractionResult:
    """Submit the form ``user`` was shown; the result's response_type stays None when the bot never answered."""
    assert opened.modal is not None, opened
    return await server.emu.submit_modal(user, opened, values, timeout=ANSWER_WAIT, require_response=False)


ORDERS = pytest.mark.parametrize("mette_first", [True, False], ids=["mette-then-john", "john-then-mette"])


@ORDERS
async def test_two_profile_forms_keep_their_own_trade(server: Server, running: RunningBot, mette_first: bool) -> None:
    bot = await running.start()
    emu = server.emu
    opened = {
        server.mette: await emu.run_command(
            server.mette, server.announcements, "profile edit", options={"trade": "bookkeeping"}
        ),
        server.john: await emu.run_command(server.john, server.announcements, "profile edit", options={"trade": "it"}),
    }
    typed = {
        server.mette: {"business": "Mettes Regnskab", "offer": "Bogføring", "looking_for": "En fotograf"},
        server.john: {"business": "John's IT", "offer": "Websites", "looking_for": "A bookkeeper"},
    }
    for user in members(server, mette_first):
        saved = await submit(server, user, opened[user], typed[user])
        assert saved.response_type is not None, f"{user.name}'s profile form got no answer"

    mette = await profiles.get(bot.db, server.guild.id, server.mette.id)
    john = await profiles.get(bot.db, server.guild.id, server.john.id)
    assert mette is not None and (mette.business, mette.trade) == ("Mettes Regnskab", "bookkeeping")
    assert john is not None and (john.business, john.trade) == ("John's IT", "it")


@ORDERS
async def test_two_guest_forms_each_add_their_members_guest(
    server: Server, running: RunningBot, mette_first: bool
) -> None:
    bot = await running.start()
    post = await create(server)
    emu = server.emu
    opened = {user: await emu.click(user, post, "mv:guests:1") for user in (server.mette, server.john)}
    guest = {server.mette: "Ole", server.john: "Jane"}
    for user in members(server, mette_first):
        added = await submit(server, user, opened[user], {"name": guest[user]})
        assert added.response_type is not None, f"{user.name}'s guest form got no answer"
        assert guest[user] in added.content
    await settle_bot(bot)

    for user in (server.mette, server.john):
        assert [g.name for g in await rsvps.guests_of(bot.db, 1, user.id)] == [guest[user]]


async def feedback_poll_post(server: Server, bot: MikroVirkBot, post: FakeMessage) -> FakeMessage:
    """The meeting takes place with Mette and John, and the poll after it is posted."""
    for user in (server.mette, server.john):
        await server.emu.react(user, post, "✅")
    await settle_bot(bot)
    server.clock.now = POLL_TIME
    await bot.rounds.run_due()
    await settle_bot(bot)
    return next(
        m
        for m in server.emu.channel_messages(server.announcements)
        if m.embeds and m.embeds[0]["title"].startswith("Feedback")
    )


@ORDERS
async def test_two_comment_forms_keep_both_comments(server: Server, running: RunningBot, mette_first: bool) -> None:
    bot = await running.start()
    post = await create(server)
    poll_post = await feedback_poll_post(server, bot, post)
    comment_button = next(
        c["custom_id"] for c in iter_components(poll_post.components) if c.get("custom_id", "").startswith("mv:fbc:")
    )
    emu = server.emu
    opened = {user: await emu.click(user, poll_post, comment_button) for user in (server.mette, server.john)}
    comment = {server.mette: "Mere kaffe", server.john: "More time to network"}
    for user in members(server, mette_first):
        saved = await submit(server, user, opened[user], {"comment": comment[user]})
        assert saved.response_type is not None, f"{user.name}'s comment form got no answer"

    poll = await polls.feedback_poll(bot.db, 1)
    assert poll is not None
    assert {(r.user_id, r.comment) for r in await polls.ratings(bot.db, poll.id)} == {
        (server.mette.id, comment[server.mette]),
        (server.john.id, comment[server.john]),
    }


async def brief_button(server: Server, bot: MikroVirkBot, user: FakeUser) -> FakeMessage:
    """``user`` is confirmed on the hot seat of meeting 1; the DM that says so, with its brief button."""
    await server.emu.run_command(
        user, server.announcements, "hotseat", options={"kind": "hot_seat", "topic": f"{user.name}s emne"}
    )
    await server.emu.run_command(
        server.organiser,
        server.announcements,
        "program assign",
        options={"meeting": "1", "slot": "hot_seat", "member": user},
    )
    await settle_bot(bot)
    return next(dm for dm in server.emu.dms_to(user) if "mv:brief:1" in str(dm.components))


@ORDERS
async def test_a_replaced_hot_seats_brief_form_never_takes_the_new_ones(
    server: Server, running: RunningBot, mette_first: bool
) -> None:
    """Mette opens the brief form, the organisers give the hot seat to John, John opens his: John's brief is saved
    whoever submits first, and Mette is told she no longer holds the seat."""
    bot = await running.start()
    await create(server, format="2.0")
    emu = server.emu
    mettes_form = await emu.click(server.mette, await brief_button(server, bot, server.mette), "mv:brief:1")
    await emu.run_command(
        server.organiser, server.announcements, "program unassign", options={"meeting": "1", "member": server.mette}
    )
    johns_form = await emu.click(server.john, await brief_button(server, bot, server.john), "mv:brief:1")
    opened = {server.mette: mettes_form, server.john: johns_form}
    answers = {}
    for user in members(server, mette_first):
        answers[user] = await submit(server, user, opened[user], {"brief": f"{user.name} skriver sit oplæg"})
        assert answers[user].response_type is not None, f"{user.name}'s brief form got no answer"

    assert "brief is saved" in answers[server.john].content  # John uses Discord in English
    assert "Kun det medlem, der er bekræftet til den varme stol" in answers[server.mette].content
    brief = await program.hot_seat_brief(bot.db, 1)
    assert brief is not None and (brief.user_id, brief.brief) == (server.john.id, "John skriver sit oplæg")
