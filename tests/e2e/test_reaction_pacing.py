"""Stale RSVP reactions are taken back one at a time, paced by the reaction limit Discord reports: never a 429."""

from __future__ import annotations

import asyncio

from bot.client import MikroVirkBot
from bot.rsvp import RsvpState
from db import rsvps
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.fakediscord import FakeMessage, FakeUser

GOING, MAYBE, NOT_GOING = "✅", "❔", "❌"
REMOVE_ROUTE = "DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}"
# 1 removal per 0.25 s (the emulator's reaction limit): room for the removals of a test, and then some.
SETTLE = 30.0


def members(server: Server, count: int) -> list[FakeUser]:
    users = [server.emu.add_user(f"Medlem{index:03d}", locale="da") for index in range(count)]
    for user in users:
        server.guild.add_member(user)
    return users


async def create(server: Server) -> FakeMessage:
    result = await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": "1/12", "format": "2.0"}
    )
    assert "Oprettet og annonceret" in result.followups[-1].content, result.followups[-1].content
    (post,) = [m for m in server.emu.channel_messages(server.announcements) if m.embeds]
    return post


async def all_going(server: Server, bot: MikroVirkBot, post: FakeMessage, users: list[FakeUser]) -> None:
    for user in users:
        await server.emu.react(user, post, GOING)
    await settle_bot(bot, timeout=SETTLE)
    assert set((await rsvps.states(bot.db, 1)).values()) == {RsvpState.GOING}


def removals(server: Server, since: int) -> list[tuple[str, str]]:
    """(emoji, user id) of every removal the bot made of a member's reaction since request ``since``."""
    return [
        (r.path.split("/")[-2], r.path.split("/")[-1])
        for r in server.emu.requests[since:]
        if r.route == REMOVE_ROUTE and r.status < 300
    ]


async def _all_in(bot: MikroVirkBot, count: int, state: RsvpState) -> bool:
    states = await rsvps.states(bot.db, 1)
    return sum(1 for s in states.values() if s is state) == count


def limited_removals(server: Server) -> int:
    return sum(1 for r in server.emu.rate_limited if r.route == REMOVE_ROUTE)


async def test_quick_answer_changes_remove_every_stale_reaction_without_a_429(
    server: Server, running: RunningBot
) -> None:
    users = members(server, 30)
    bot = await running.start()
    post = await create(server)
    await all_going(server, bot, post, users)
    before = len(server.emu.requests)

    loop = asyncio.get_running_loop()
    started = loop.time()
    for index, user in enumerate(users):  # 50 switches a second
        await asyncio.sleep(max(0.0, started + index * 0.02 - loop.time()))
        await server.emu.react(user, post, NOT_GOING)
    await settle_bot(bot, timeout=SETTLE)  # waits for the queued removals too

    ids = {user.id for user in users}
    assert not ids & set(post.reactions.get(GOING, []))  # every stale ✅ is gone once the bot has settled...
    assert ids <= set(post.reactions[NOT_GOING])  # ...and every member's new answer is kept
    assert len(removals(server, before)) == 30
    assert limited_removals(server) == 0
    assert await rsvps.states(bot.db, 1) == dict.fromkeys(ids, RsvpState.NOT_GOING)
    # Paced by the limit the headers report (1 per 0.25 s here), not faster and not in a heap.
    times = sorted(r.time for r in server.emu.requests[before:] if r.route == REMOVE_ROUTE)
    assert times[-1] - times[0] >= 29 * 0.25 - 0.05


async def test_a_queued_removal_is_made_once_and_not_at_all_when_the_answer_is_back(
    server: Server, running: RunningBot
) -> None:
    users = members(server, 12)
    mette, john = server.mette, server.john
    bot = await running.start()
    post = await create(server)
    await all_going(server, bot, post, [*users, mette, john])
    before = len(server.emu.requests)

    # The others' switches keep the removal queue busy for about 3 s, so what follows is still queued.
    for user in users:
        await server.emu.react(user, post, NOT_GOING)
    # Mette changes her mind: ❌, takes her ✅ off herself, then ✅ again. The queued removal of her ✅ must not take
    # her new ✅ (that would clear her answer); her ❌ is the stale one now.
    await server.emu.react(mette, post, NOT_GOING)
    await server.emu.unreact(mette, post, GOING)
    await server.emu.react(mette, post, GOING)
    # John goes ✅ → ❌ → ✅ → ❌: his ✅ is asked to be removed twice while queued, and removed once.
    await server.emu.react(john, post, NOT_GOING)
    await server.emu.unreact(john, post, GOING)
    await server.emu.react(john, post, GOING)
    await server.emu.unreact(john, post, NOT_GOING)
    await server.emu.react(john, post, NOT_GOING)
    await settle_bot(bot, timeout=SETTLE)

    made = removals(server, before)
    assert [emoji for emoji, user in made if user == str(mette.id)] == [NOT_GOING]
    assert [emoji for emoji, user in made if user == str(john.id)] == [GOING]
    assert len(made) == 12 + 2
    assert limited_removals(server) == 0
    assert mette.id in post.reactions[GOING] and mette.id not in post.reactions.get(NOT_GOING, [])
    assert john.id in post.reactions[NOT_GOING] and john.id not in post.reactions.get(GOING, [])
    states = await rsvps.states(bot.db, 1)
    assert states[mette.id] is RsvpState.GOING and states[john.id] is RsvpState.NOT_GOING
    assert {states[user.id] for user in users} == {RsvpState.NOT_GOING}


async def test_stopping_the_bot_waits_briefly_for_queued_removals(server: Server, running: RunningBot) -> None:
    users = members(server, 4)
    bot = await running.start()
    post = await create(server)
    await all_going(server, bot, post, users)
    for user in users:
        await server.emu.react(user, post, MAYBE)
    await server.emu.wait_for(
        lambda: _all_in(bot, len(users), RsvpState.MAYBE), timeout=5, message="the answers were not recorded"
    )
    await running.stop()  # four removals take about 1 s: within the shutdown grace
    assert not {user.id for user in users} & set(post.reactions.get(GOING, []))
    assert limited_removals(server) == 0
