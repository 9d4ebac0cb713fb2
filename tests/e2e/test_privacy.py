"""Members' data rights end to end: /privacy show, /mydata, /forget, leavers, retention, the organisers' report."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.rounds import RoundKind, RoundState
from bot.rsvp import RsvpState
from db import attendance, polls, privacy, rounds, rsvps
from db.privacy import PERSONAL_COLUMNS
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.e2e.test_feedback import button, feedback_post
from tests.fakediscord import FakeMessage, FakeUser, Perm

START = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # meeting 1: 1/12 17:30 in Copenhagen
POLL_TIME = START + timedelta(hours=3, minutes=30)  # an hour after it ends


async def create(server: Server, date: str, **options: Any) -> FakeMessage:
    result = await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": date, "format": "2.0", **options}
    )
    assert "Oprettet og annonceret" in result.followups[-1].content, result.followups[-1].content
    return [m for m in server.emu.channel_messages(server.announcements) if m.embeds][-1]


async def rows_naming(server: Server, running: RunningBot, user: FakeUser) -> dict[str, int]:
    assert running.bot is not None
    found = {}
    async with running.bot.db.read() as conn:
        for table, column in PERSONAL_COLUMNS.items():
            count = await conn.fetchval(f"SELECT count(*) FROM {table} WHERE {column} = ?", (user.id,))
            if count:
                found[table] = count
    return found


async def a_full_month(server: Server, running: RunningBot) -> tuple[FakeMessage, FakeMessage, int]:
    """Mette does everything: answers, brings a guest, checks in, rates, comments, suggests, votes, volunteers and
    writes a brief. John answers too, and waits for Mette's seat at the full second meeting."""
    for member in (server.mette, server.john):  # long-standing members (the emulator's default is the wall clock)
        server.guild.members[member.id].joined_at = server.clock() - timedelta(days=400)
    bot = await running.start()
    emu = server.emu
    first = await create(server, "1/12")
    second = await create(server, "5/1", capacity=1)
    for member in (server.mette, server.john):
        await emu.react(member, first, "✅")
    opened = await emu.click(server.mette, first, "mv:guests:1")
    await emu.submit_modal(server.mette, opened, {"name": "Ole", "business": "Oles VVS"})
    await emu.run_command(
        server.mette, server.announcements, "hotseat", options={"kind": "hot_seat", "topic": "Priser"}
    )
    await emu.run_command(
        server.organiser,
        server.announcements,
        "program assign",
        options={"meeting": "1", "slot": "hot_seat", "member": server.mette},
    )
    await settle_bot(bot)
    (assigned,) = [dm for dm in emu.dms_to(server.mette) if "bekræftet til Den varme stol" in dm.content]
    opened = await emu.click(server.mette, assigned, "mv:brief:1")
    await emu.submit_modal(server.mette, opened, {"brief": "Jeg tager for lidt for mine ydelser."})
    await emu.run_command(server.john, server.announcements, "suggest", options={"topic": "Eksport til Tyskland"})
    await emu.run_command(server.mette, server.announcements, "suggest", options={"topic": "Mettes eget emne"})
    johns_topic = next(m for m in emu.channel_messages(server.announcements) if "Eksport til Tyskland" in m.content)
    await emu.click(server.mette, johns_topic, "mv:up:1")
    await emu.react(server.mette, second, "✅")
    await emu.react(server.john, second, "✅")  # the seat is taken: John waits
    await settle_bot(bot)
    assert await rsvps.state_of(bot.db, 2, server.john.id) is RsvpState.WAITING

    server.clock.now = START - timedelta(minutes=50)
    await bot.rounds.run_due()
    await settle_bot(bot)
    check_in = button(first, lambda c: c.get("label") == "Tjek ind")
    for member in (server.mette, server.john):
        await emu.click(member, first, check_in)
    server.clock.now = POLL_TIME
    await bot.rounds.run_due()
    await settle_bot(bot)
    poll_post = feedback_post(server)
    mette_dm = next(dm for dm in emu.dms_to(server.mette) if "Hvor værdifuldt" in dm.content)
    await emu.click(server.mette, mette_dm, button(mette_dm, lambda c: c.get("label") == "4"))
    form = await emu.click(server.mette, mette_dm, button(mette_dm, lambda c: c.get("label") == "Kommentar"))
    await emu.submit_modal(server.mette, form, {"comment": "Mettes kommentar om kaffen"})
    await emu.click(server.john, poll_post, button(poll_post, lambda c: c.get("label") == "2"))
    await settle_bot(bot)
    return first, second, 1


async def test_privacy_show_says_what_why_how_long_and_who(server: Server, running: RunningBot) -> None:
    await running.start()
    shown = await server.emu.run_command(server.john, server.announcements, "privacy show", locale="en-US")
    assert shown.ephemeral
    text = json.dumps(shown.embeds[0], ensure_ascii=False)
    for expected in ("What is stored, and why", "1095 days", "730 days", "90 days", "without names", "/mydata"):
        assert expected in text, expected
    assert "ask the organisers" in text  # no controller configured
    await server.emu.run_command(
        server.organiser,
        server.announcements,
        "settings privacy",
        options={"controller": "Vordingborg Erhvervsservice", "contact": "erhverv@example.dk"},
    )
    shown = await server.emu.run_command(server.mette, server.announcements, "privacy show", locale="da")
    text = json.dumps(shown.embeds[0], ensure_ascii=False)
    assert "Vordingborg Erhvervsservice — kontakt: erhverv@example.dk" in text and "Hvor længe" in text


async def test_mydata_holds_every_fact_and_nothing_of_anyone_else(server: Server, running: RunningBot) -> None:
    await a_full_month(server, running)
    emu = server.emu
    answer = await emu.run_command(server.mette, server.announcements, "mydata", locale="da")
    assert "sendt dig en DM" in answer.followups[-1].content
    (dm,) = [dm for dm in emu.dms_to(server.mette) if dm.attachments and "gemmer om dig" in dm.content]
    assert "svar på møder: 2" in dm.content and "check-ins: 1" in dm.content
    copy = json.loads(dm.attachments[0]["content"])
    tables = copy["tables"]
    assert {row["meeting_id"] for row in tables["rsvps"]} == {1, 2}
    assert tables["guests"][0]["name"] == "Ole"
    assert tables["attendance"][0]["source"] == "self"
    assert tables["program_slots"][0]["brief"] == "Jeg tager for lidt for mine ydelser."
    assert (tables["poll_answers"][0]["rating"], tables["poll_answers"][0]["comment"]) == (
        4,
        "Mettes kommentar om kaffen",
    )
    assert [row["text"] for row in tables["topics"]] == ["Mettes eget emne"]
    assert {row["topic_id"] for row in tables["topic_votes"]} == {1, 2}  # John's idea and her own
    assert tables["members"][0]["language"] == "da"
    assert str(server.john.id) not in json.dumps(copy) and "John" not in json.dumps(copy)

    closed = emu.add_user("Lukket", locale="en-US", accepts_dms=False)
    await emu.member_join(server.guild, closed)
    here = await emu.run_command(closed, server.announcements, "mydata", locale="en-US")
    reply = here.followups[-1]
    assert reply.flags & 64 and "Your DMs are closed" in reply.content  # ephemeral, with the file
    assert json.loads(reply.attachments[0]["content"])["member"] == str(closed.id)


async def test_forget_needs_confirmation_then_erases_and_keeps_aggregates(server: Server, running: RunningBot) -> None:
    _, second, _ = await a_full_month(server, running)
    bot = running.bot
    assert bot is not None
    emu = server.emu
    poll = await polls.feedback_poll(bot.db, 1)
    assert poll is not None
    ratings_before = sorted(r.rating for r in await polls.ratings(bot.db, poll.id))
    attendees_before = len(await attendance.attendees(bot.db, 1))
    before = await rows_naming(server, running, server.mette)
    # The bot may not remove reactions here: her old ✅ stays on the post.
    server.guild.set_permissions(server.announcements, emu.bot_user, deny=Perm.MANAGE_MESSAGES)

    asked = await emu.run_command(server.mette, server.announcements, "forget", locale="da")
    assert asked.ephemeral and "Dette bliver slettet" in asked.content and "svar på møder: 2" in asked.content
    cancel = button(asked.message, lambda c: c.get("label") == "Annullér")
    cancelled = await emu.click(server.mette, asked.message, cancel)
    assert "intet blev slettet" in cancelled.content
    assert await rows_naming(server, running, server.mette) == before

    asked = await emu.run_command(server.mette, server.announcements, "forget", locale="da")
    confirm = button(asked.message, lambda c: c.get("label") == "Slet")
    done = await emu.click(server.mette, asked.message, confirm)
    assert "Færdig — slettet" in done.content
    await settle_bot(bot)
    assert await rows_naming(server, running, server.mette) == {}
    # The aggregates of the past meeting stay; the seat at the coming one goes to John.
    assert sorted(r.rating for r in await polls.ratings(bot.db, poll.id)) == ratings_before
    assert all(r.comment is None for r in await polls.ratings(bot.db, poll.id))
    assert len(await attendance.attendees(bot.db, 1)) == attendees_before
    assert await rsvps.state_of(bot.db, 2, server.john.id) is RsvpState.GOING
    assert any("John" in f["value"] for f in second.embeds[0]["fields"] if f["name"].startswith("Kommer"))
    assert any("a seat freed up" in dm.content for dm in emu.dms_to(server.john))
    assert not any("Mettes eget emne" in m.content for m in emu.channel_messages(server.announcements))

    bot = await running.restart()  # her old ✅ is still on the post; the answer must not come back
    await settle_bot(bot)
    assert server.mette.id in second.reactions["✅"]
    assert await rsvps.state_of(bot.db, 2, server.mette.id) is None
    assert await rows_naming(server, running, server.mette) == {}

    attendees = await emu.run_command(
        server.organiser, server.announcements, "meeting attendees", options={"meeting": "1"}
    )
    exported = await emu.run_command(server.organiser, server.announcements, "feedback export")
    for result in (attendees, exported):
        files = [a for m in (result, *result.followups) for a in getattr(m, "attachments", [])]
        text = "".join(a["content"].decode("utf-8-sig") for a in files if a["filename"].endswith(".csv"))
        assert text and "Mette" not in text and str(server.mette.id) not in text
        assert "Mettes kommentar" not in text
    rows = list(csv.reader(io.StringIO(exported.attachments[0]["content"].decode("utf-8-sig"))))
    assert sorted(row[3] for row in rows[1:3]) == ["2", "4"]  # her rating counted, anonymous


async def test_an_organiser_erases_on_request_with_manage_server_only(server: Server, running: RunningBot) -> None:
    await running.start()
    emu = server.emu
    await emu.react(server.john, await create(server, "1/12"), "✅")
    refused = await emu.run_command(
        server.organiser, server.announcements, "privacy forget", options={"member": server.john}, locale="da"
    )
    assert "Administrer server" in refused.content
    admin_role = server.guild.add_role("Admin", permissions=Perm.MANAGE_GUILD)
    anne = emu.add_user("Anne", locale="da")
    await emu.member_join(server.guild, anne, roles=[admin_role, server.organiser_role])
    asked = await emu.run_command(anne, server.announcements, "privacy forget", options={"member": server.john})
    assert f"om <@{server.john.id}>" in asked.content
    assert asked.ephemeral  # only Anne sees the preview and its buttons
    await emu.click(anne, asked.message, button(asked.message, lambda c: c.get("label") == "Slet"))
    assert running.bot is not None
    await settle_bot(running.bot)
    assert await rows_naming(server, running, server.john) == {}
    logged = [m.content for m in emu.channel_messages(server.organisers_channel) if "slettede data om" in m.content]
    assert logged == [f"🗑️ <@{anne.id}> slettede data om <@{server.john.id}> efter deres anmodning."]


async def test_a_leaver_frees_the_seat_at_once_and_is_erased_later_unless_back(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    emu = server.emu
    post = await create(server, "1/12", capacity=1)
    await emu.react(server.mette, post, "✅")
    await emu.react(server.john, post, "✅")
    await settle_bot(bot)
    server.guild.set_permissions(server.announcements, emu.bot_user, deny=Perm.MANAGE_MESSAGES)  # her ✅ stays
    await emu.member_leave(server.guild, server.mette)
    await settle_bot(bot)
    assert await rsvps.state_of(bot.db, 1, server.john.id) is RsvpState.GOING
    assert await rsvps.state_of(bot.db, 1, server.mette.id) is None
    assert "members" in await rows_naming(server, running, server.mette)  # the rest waits for keep_after_leave

    bot = await running.restart()  # her ✅ is still on the post, but she is no member: not re-learnt
    await settle_bot(bot)
    assert server.mette.id in post.reactions["✅"]
    assert await rsvps.state_of(bot.db, 1, server.mette.id) is None

    server.clock.now += timedelta(days=89)
    await bot.rounds.run_due()
    assert "members" in await rows_naming(server, running, server.mette)
    server.clock.now += timedelta(days=1, minutes=1)
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert await rows_naming(server, running, server.mette) == {}
    leaver_rounds = [r for r in await rounds.unfinished(bot.db, server.guild.id) if r.kind is RoundKind.LEAVER_ERASURE]
    assert leaver_rounds == []


async def test_a_member_who_rejoins_in_time_keeps_their_data(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    emu = server.emu
    await emu.react(server.john, await create(server, "1/12"), "✅")
    await emu.run_command(server.john, server.announcements, "reminders off")
    await settle_bot(bot)
    await emu.member_leave(server.guild, server.john)
    await settle_bot(bot)
    server.clock.now += timedelta(days=30)
    await emu.member_join(server.guild, server.john)
    await settle_bot(bot)
    bot = await running.restart()
    server.clock.now += timedelta(days=100)
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert "members" in await rows_naming(server, running, server.john)
    async with bot.db.read() as conn:
        states = await conn.fetchall("SELECT state, reason FROM rounds WHERE kind = 'leaver_erasure'")
    assert [(row["state"], row["reason"]) for row in states] == [(RoundState.CANCELLED.value, "rejoined")]


async def test_retention_removes_exactly_what_is_due_once(server: Server, running: RunningBot) -> None:
    """A comment and a meeting old enough go; newer ones stay; the nightly run happens once across a restart."""
    _, _, _ = await a_full_month(server, running)
    bot = running.bot
    assert bot is not None
    poll = await polls.feedback_poll(bot.db, 1)
    assert poll is not None
    # Two years and a day later the comment is due; the answers of meeting 1 are not (three years).
    server.clock.now = POLL_TIME + timedelta(days=731)
    bot = await running.restart()
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert [r.comment for r in await polls.ratings(bot.db, poll.id)] == [None, None]
    assert "rsvps" in await rows_naming(server, running, server.john)
    server.clock.now = POLL_TIME + timedelta(days=1096)
    await bot.rounds.run_due()
    bot = await running.restart()
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert await rsvps.state_of(bot.db, 1, server.john.id) is None  # made anonymous
    assert len(await attendance.attendees(bot.db, 1)) == 2  # still counted
    assert "members" in await rows_naming(server, running, server.john)  # a member's own row is not history
    async with bot.db.read() as conn:
        runs = await conn.fetchall("SELECT subject FROM rounds WHERE kind = 'retention' AND state = 'sent'")
    subjects = [row["subject"] for row in runs]
    assert len(subjects) == len(set(subjects)) >= 2
    report = await server.emu.run_command(server.organiser, server.announcements, "privacy report", locale="en-US")
    assert "Erasures done: 0" in report.content and "answers made anonymous" in report.content
    found = await privacy.report(bot.db, server.guild.id)
    assert found.last_retention_counts["answers"] >= 2
