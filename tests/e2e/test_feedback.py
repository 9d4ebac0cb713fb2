"""Feedback end to end: check-in, the poll after a meeting, results and export, topic ideas, organisers' polls."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.client import MikroVirkBot
from db import attendance, polls
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.fakediscord import FakeMessage, iter_components

PNG = b"\x89PNG\r\n\x1a\n"
START = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # 1/12 17:30 in Copenhagen
POLL_TIME = START + timedelta(hours=2, minutes=30) + timedelta(hours=1)  # an hour after the meeting ends


async def run_meeting_rounds(bot: MikroVirkBot) -> None:
    await bot.rounds.run_due()
    await settle_bot(bot)


async def create(server: Server) -> FakeMessage:
    result = await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": "1/12", "format": "1.0"}
    )
    assert "Oprettet og annonceret" in result.followups[-1].content
    return [m for m in server.emu.channel_messages(server.announcements) if m.embeds][-1]


def button(message: FakeMessage, predicate: Any) -> str:
    return next(c["custom_id"] for c in iter_components(message.components) if c.get("custom_id") and predicate(c))


def feedback_post(server: Server) -> FakeMessage:
    (post,) = [
        m
        for m in server.emu.channel_messages(server.announcements)
        if m.embeds and m.embeds[0]["title"].startswith("Feedback")
    ]
    return post


async def test_check_in_and_the_feedback_poll_after_the_meeting(server: Server, running: RunningBot) -> None:
    absent = server.emu.add_user("Fraværende", locale="da")
    server.guild.add_member(absent)
    bot = await running.start()
    post = await create(server)
    emu = server.emu
    for member in (server.mette, server.john, absent):
        await emu.react(member, post, "✅")
    await settle_bot(bot)
    assert not [c for c in iter_components(post.components) if c.get("label") == "Tjek ind"]

    server.clock.now = START - timedelta(minutes=50)  # check-in opens an hour before
    await run_meeting_rounds(bot)
    check_in = button(post, lambda c: c.get("label") == "Tjek ind")
    assert "Du er tjekket ind" in (await emu.click(server.mette, post, check_in)).content
    assert "allerede tjekket ind" in (await emu.click(server.mette, post, check_in)).content
    marked = await emu.run_command(
        server.organiser, server.announcements, "meeting checkin", options={"meeting": "1", "member": server.john}
    )
    assert "markeret som til stede" in marked.content
    assert await attendance.attendees(bot.db, 1) == [server.mette.id, server.john.id]

    server.clock.now = POLL_TIME
    await run_meeting_rounds(bot)
    assert not [c for c in iter_components(post.components) if c.get("label") == "Tjek ind"]  # closed at the end
    await bot.rounds.run_due()
    poll_post = feedback_post(server)
    assert [c.get("label") for c in iter_components(poll_post.components) if c["type"] == 2] == [
        "1",
        "2",
        "3",
        "4",
        "5",
        "Kommentar",
    ]
    mette_dm = next(dm for dm in emu.dms_to(server.mette) if "Hvor værdifuldt" in dm.content)
    assert any("Hvor værdifuldt" in dm.content for dm in emu.dms_to(server.john))
    assert not any("Hvor værdifuldt" in dm.content for dm in emu.dms_to(absent))  # only those who came

    four = await emu.click(server.mette, mette_dm, button(mette_dm, lambda c: c.get("label") == "4"))
    assert four.ephemeral and "bedømmelse 4" in four.content
    bot = await running.restart()  # buttons keep working after a restart
    await emu.click(server.mette, mette_dm, button(mette_dm, lambda c: c.get("label") == "5"))  # changed
    await emu.click(server.john, poll_post, button(poll_post, lambda c: c.get("label") == "3"))
    form = await emu.click(server.john, poll_post, button(poll_post, lambda c: c.get("label") == "Kommentar"))
    assert form.modal is not None
    (comment_field,) = form.modal["components"]  # the text input is wrapped in a Label (type 18), not an action row
    assert comment_field["type"] == 18 and comment_field["label"] == "What worked? What should we change? A topic?"
    assert comment_field["component"]["type"] == 4 and comment_field["component"]["custom_id"] == "comment"
    assert comment_field["component"].get("label") is None
    assert comment_field["component"]["placeholder"] == "A few words for the steering group"
    saved = await emu.submit_modal(server.john, form, {"comment": "Mere tid til netværk @everyone"})
    assert "Your comment is recorded" in saved.content  # John uses Discord in English
    poll = await polls.feedback_poll(bot.db, 1)
    assert poll is not None
    assert {(r.user_id, r.rating, r.comment) for r in await polls.ratings(bot.db, poll.id)} == {
        (server.mette.id, 5, None),
        (server.john.id, 3, "Mere tid til netværk @everyone"),
    }

    results = await emu.run_command(
        server.organiser, server.announcements, "feedback results", options={"meeting": "1"}
    )
    embed = results.followups[0].embeds[0]
    assert "Gennemsnit **4,0** · 2 svar fra 2 deltagere" in embed["description"]
    assert "Mere tid til netværk @everyone" in embed["fields"][0]["value"]
    names = sorted(a["filename"] for a in results.followups[0].attachments)
    assert names == ["ratings.png", "season.png"]
    assert all(a["content"].startswith(PNG) for a in results.followups[0].attachments)

    exported = await emu.run_command(server.organiser, server.announcements, "feedback export")
    rows = list(csv.reader(io.StringIO(exported.attachments[0]["content"].decode("utf-8-sig"))))
    assert rows[0][:4] == ["Møde", "Spørgsmål", "Medlem", "Bedømmelse"]
    assert sorted((row[2], row[3]) for row in rows[1:3]) == [("John", "3"), ("Mette", "5")]

    server.clock.now = POLL_TIME + timedelta(days=7)  # the poll closes
    await bot.rounds.run_due()
    summary = [m for m in emu.channel_messages(server.organisers_channel) if "lukket" in m.content]
    assert summary and summary[0].attachments[0]["content"].startswith(PNG)
    late = await emu.click(server.mette, mette_dm, button(mette_dm, lambda c: c.get("label") == "1"))
    assert "Afstemningen er lukket" in late.content


async def test_topic_ideas_with_toggling_up_votes_and_no_pings(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await create(server)
    emu = server.emu
    suggested = await emu.run_command(
        server.mette, server.announcements, "suggest", options={"topic": "Moms @everyone"}
    )
    assert suggested.ephemeral and "Tak for forslaget" in suggested.content
    idea = next(m for m in emu.channel_messages(server.announcements) if "Emneforslag fra Mette" in m.content)
    sent = [r for r in emu.requests if r.method == "POST" and r.path == f"/channels/{server.announcements.id}/messages"]
    assert any(
        r.json.get("allowed_mentions") == {"parse": []} and "Moms" in (r.json.get("content") or "") for r in sent
    )
    upvote = button(idea, lambda c: c.get("custom_id", "").startswith("mv:up:"))
    assert [c.get("label") for c in iter_components(idea.components) if c["type"] == 2] == ["1"]  # the author's vote
    first = await emu.click(server.john, idea, upvote)
    assert first.ephemeral and "The topic now has 2 votes" in first.content  # John uses Discord in English
    await settle_bot(bot)
    assert [c.get("label") for c in iter_components(idea.components) if c["type"] == 2] == ["2"]
    second = await emu.click(server.john, idea, upvote)
    assert "vote is taken back" in second.content
    await settle_bot(bot)
    assert [c.get("label") for c in iter_components(idea.components) if c["type"] == 2] == ["1"]
    listing = await emu.run_command(server.john, server.announcements, "topics", locale="en-US")
    assert "**1** 👍 Moms @everyone" in listing.embeds[0]["description"]
    planned = await emu.run_command(
        server.organiser, server.announcements, "topic plan", options={"topic": "1", "meeting": "1"}
    )
    assert "er planlagt til" in planned.content
    await settle_bot(bot)
    assert any(f["name"] == "Emner medlemmerne har ønsket" for f in post.embeds[0]["fields"])
    blank = await emu.run_command(server.mette, server.announcements, "suggest", options={"topic": "   "})
    assert "må ikke være tomt" in blank.content


async def test_an_organisers_poll_with_buttons_closes_with_results(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    emu = server.emu
    refused = await emu.run_command(
        server.john, server.announcements, "poll create", options={"question": "Dag?", "options": "a;b"}, locale="en-US"
    )
    assert refused.content.startswith("Only organisers")
    bad = await emu.run_command(
        server.organiser, server.announcements, "poll create", options={"question": "Dag?", "options": "kun én"}
    )
    assert "2 til 10 svarmuligheder" in bad.content
    created = await emu.run_command(
        server.organiser,
        server.announcements,
        "poll create",
        options={"question": "Hvilken dag passer?", "options": "mandag; tirsdag", "closes_in": "1d"},
    )
    assert "Afstemningen er slået op" in created.content
    post = next(
        m
        for m in emu.channel_messages(server.announcements)
        if m.embeds and m.embeds[0]["title"] == "Hvilken dag passer?"
    )
    monday = button(post, lambda c: c.get("label") == "mandag")
    tuesday = button(post, lambda c: c.get("label") == "tirsdag")
    await emu.click(server.mette, post, monday)
    await emu.click(server.john, post, monday)
    await emu.click(server.john, post, tuesday)  # John changes his mind
    await settle_bot(bot)
    assert "**mandag** — 1" in post.embeds[0]["description"] and "**tirsdag** — 1" in post.embeds[0]["description"]
    server.clock.advance(timedelta(days=1))
    await bot.rounds.run_due()
    await settle_bot(bot)
    assert post.embeds[0]["footer"]["text"].startswith("Lukket · 2 stemmer")
    assert not post.components


async def test_closing_a_planned_topic_takes_it_off_the_announcement_and_stops_its_votes(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    post = await create(server)
    emu = server.emu
    await emu.run_command(server.mette, server.announcements, "suggest", options={"topic": "Moms"})
    idea = next(m for m in emu.channel_messages(server.announcements) if "Emneforslag fra Mette" in m.content)
    offered = await emu.autocomplete(
        server.organiser, server.announcements, "topic plan", options={"topic": "mo"}, focused="topic"
    )
    assert [(c["name"], c["value"]) for c in offered] == [("1 👍 Moms", "1")]
    unknown = await emu.run_command(server.organiser, server.announcements, "topic close", options={"topic": "99"})
    assert "Jeg kender ikke emnet “99”" in unknown.content
    await emu.run_command(server.organiser, server.announcements, "topic plan", options={"topic": "1", "meeting": "1"})
    await settle_bot(bot)
    assert any(f["name"] == "Emner medlemmerne har ønsket" for f in post.embeds[0]["fields"])

    closed = await emu.run_command(server.organiser, server.announcements, "topic close", options={"topic": "1"})
    assert "“Moms” er lukket" in closed.content
    await settle_bot(bot)
    assert not any(f["name"] == "Emner medlemmerne har ønsket" for f in post.embeds[0].get("fields", []))
    assert "Ingen emneforslag endnu" in (await emu.run_command(server.mette, server.announcements, "topics")).content
    refused = await emu.click(server.mette, idea, button(idea, lambda c: c.get("custom_id", "").startswith("mv:up:")))
    assert "Det emne er lukket" in refused.content

    exported = await emu.run_command(server.organiser, server.announcements, "feedback export")
    assert "0 svar og 1 emneforslag" in exported.content
    rows = list(csv.reader(io.StringIO(exported.attachments[0]["content"].decode("utf-8-sig"))))
    assert rows[-2:] == [["Emneforslag", "Stemmer", "Status"], ["Moms", "1", "lukket"]]


async def test_the_export_hides_who_answered_an_anonymous_poll(server: Server, running: RunningBot) -> None:
    await running.start()
    emu = server.emu
    await emu.run_command(
        server.organiser,
        server.announcements,
        "poll create",
        options={"question": "Hvilken dag?", "options": "mandag;tirsdag", "anonymous": True},
    )
    post = next(m for m in emu.channel_messages(server.announcements) if m.embeds)
    assert post.embeds[0]["footer"]["text"].endswith("· anonym")
    voted = await emu.click(server.john, post, button(post, lambda c: c.get("label") == "tirsdag"))
    assert "tirsdag" in voted.content
    exported = await emu.run_command(server.organiser, server.announcements, "feedback export")
    rows = list(csv.reader(io.StringIO(exported.attachments[0]["content"].decode("utf-8-sig"))))
    assert [row[:5] for row in rows[1:2]] == [["", "Hvilken dag?", "(anonym)", "", "tirsdag"]]
    assert "John" not in exported.attachments[0]["content"].decode("utf-8-sig")


async def test_a_topic_moved_to_another_meeting_leaves_the_first_post(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    first = await create(server)
    emu = server.emu
    made = await emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": "5/1/2027", "format": "2.0"}
    )
    assert "Oprettet og annonceret" in made.followups[-1].content
    second = [m for m in emu.channel_messages(server.announcements) if m.embeds][-1]
    await emu.run_command(server.mette, server.announcements, "suggest", options={"topic": "Moms"})
    await emu.run_command(server.organiser, server.announcements, "topic plan", options={"topic": "1", "meeting": "1"})
    await settle_bot(bot)
    await emu.run_command(server.organiser, server.announcements, "topic plan", options={"topic": "1", "meeting": "2"})
    await settle_bot(bot)

    def shows_topics(post: FakeMessage) -> bool:
        return any(f["name"] == "Emner medlemmerne har ønsket" for f in post.embeds[0].get("fields", []))

    assert not shows_topics(first) and shows_topics(second)


async def test_member_text_in_every_csv_cannot_run_as_a_spreadsheet_formula(
    server: Server, running: RunningBot
) -> None:
    formula = '=HYPERLINK("https://evil.example","Pay dues")'
    emu = server.emu
    sneaky = emu.add_user("sneaky", locale="da")
    server.guild.add_member(sneaky, nick=formula)
    bot = await running.start()
    post = await create(server)
    await emu.react(sneaky, post, "✅")
    await emu.run_command(sneaky, server.announcements, "suggest", options={"topic": "@SUM(A1:A9)"})
    await emu.run_command(
        server.organiser, server.announcements, "poll create", options={"question": "Hvilken dag?", "options": "-1;+1"}
    )
    poll_post = next(
        m for m in emu.channel_messages(server.announcements) if m.embeds and "Hvilken dag" in str(m.embeds)
    )
    voted = await emu.click(sneaky, poll_post, button(poll_post, lambda c: c.get("label") == "+1"))
    assert "+1" in voted.content
    await settle_bot(bot)

    attendees = await emu.run_command(
        server.organiser, server.announcements, "meeting attendees", options={"meeting": "1"}
    )
    rows = list(csv.reader(io.StringIO(attendees.attachments[0]["content"].decode("utf-8-sig"))))
    assert rows[1][:2] == ["'" + formula, str(sneaky.id)]
    exported = await emu.run_command(server.organiser, server.announcements, "feedback export")
    rows = list(csv.reader(io.StringIO(exported.attachments[0]["content"].decode("utf-8-sig"))))
    assert rows[1][1:5] == ["Hvilken dag?", "'" + formula, "", "'+1"]
    assert rows[-1][:2] == ["'@SUM(A1:A9)", "1"]  # the vote count the bot writes stays a number
