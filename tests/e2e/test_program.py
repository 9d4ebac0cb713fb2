"""The program end to end: /hotseat volunteers, refusals, organisers confirming, the announcement showing it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.fakediscord import FakeMessage, iter_components


async def create(server: Server, date: str, format: str) -> FakeMessage:
    result = await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": date, "format": format}
    )
    assert "Oprettet og annonceret" in result.followups[-1].content, result.followups[-1].content
    return [m for m in server.emu.channel_messages(server.announcements) if m.embeds][-1]


def program_field(post: FakeMessage) -> str | None:
    return next((f["value"] for f in post.embeds[0]["fields"] if f["name"] == "Program"), None)


def notices(server: Server) -> list[str]:
    return [m.content for m in server.emu.channel_messages(server.organisers_channel)]


async def hotseat(server: Server, user: Any, **options: Any) -> Any:
    return await server.emu.run_command(user, server.announcements, "hotseat", options=options)


async def test_volunteer_change_and_withdraw(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    await create(server, "1/12", "2.0")
    signed = await hotseat(server, server.mette, kind="hot_seat", topic="Prissætning af ydelser")
    assert signed.ephemeral and "Du har meldt dig til Den varme stol" in signed.content
    await server.emu.wait_for(lambda: any("Ny frivillig: Mette til Den varme stol" in n for n in notices(server)))
    server.clock.advance(timedelta(minutes=2))  # each sign-up tells the organisers: one per member per two minutes
    changed = await hotseat(server, server.mette, kind="brag_spot", topic="Ny storkunde")
    assert "Din tilmelding til" in changed.content and "Pralepladsen" in changed.content
    shown = await server.emu.run_command(
        server.organiser, server.announcements, "program show", options={"meeting": "1"}
    )
    assert (
        shown.embeds[0]["description"].count("Mette") == 1
        and "Pralepladsen — Ny storkunde" in shown.embeds[0]["description"]
    )

    withdraw = next(c["custom_id"] for c in iter_components(changed.components) if c.get("custom_id"))
    done = await server.emu.click(server.mette, changed.message, withdraw)
    assert "trukket din tilmelding tilbage" in done.content
    shown = await server.emu.run_command(
        server.organiser, server.announcements, "program show", options={"meeting": "1"}
    )
    assert "Ingen frivillige endnu" in shown.embeds[0]["description"]
    await settle_bot(bot)


async def test_refusals_point_to_the_next_growth_meeting(server: Server, running: RunningBot) -> None:
    await running.start()
    none_planned = await hotseat(server, server.mette, kind="hot_seat", topic="Udfordring")
    assert "ingen varm stol" in none_planned.content
    await create(server, "1/12", "1.0")
    await create(server, "5/1/2027", "2.0")
    tools = await hotseat(server, server.john, kind="hot_seat", topic="Challenge", meeting="1")
    assert "hører til 2.0-møderne" in tools.content or "2.0 (growth)" in tools.content
    assert "5. januar 2027" in tools.content or "5 January 2027" in tools.content
    ok = await hotseat(server, server.mette, kind="hot_seat", topic="Udfordring")  # default: the next 2.0 meeting
    assert "tirsdag 5. januar 2027" in ok.content
    server.clock.advance(timedelta(days=45))  # both meetings are over
    late = await hotseat(server, server.mette, kind="hot_seat", topic="Udfordring", meeting="2")
    assert "allerede begyndt" in late.content or "ingen varm stol" in late.content


async def test_organisers_assign_and_the_announcement_shows_it(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await create(server, "1/12", "2.0")
    await hotseat(server, server.mette, kind="hot_seat", topic="Prissætning")
    refused = await server.emu.run_command(
        server.john,
        server.announcements,
        "program assign",
        options={"meeting": "1", "slot": "hot_seat", "member": server.mette},
        locale="en-US",
    )
    assert refused.content.startswith("Only organisers can do that.")
    assigned = await server.emu.run_command(
        server.organiser,
        server.announcements,
        "program assign",
        options={"meeting": "1", "slot": "hot_seat", "member": server.mette},
    )
    assert "er bekræftet til Den varme stol" in assigned.content
    await settle_bot(bot)
    assert program_field(post) == "🔥 Den varme stol: Mette — Prissætning"
    assert any("Du er bekræftet til Den varme stol" in dm.content for dm in server.emu.dms_to(server.mette))

    taken = await server.emu.run_command(
        server.organiser,
        server.announcements,
        "program assign",
        options={"meeting": "1", "slot": "brag_spot", "member": server.john},
    )
    assert "allerede bekræftet til en anden" in taken.content

    server.clock.advance(timedelta(minutes=2))
    confirmed = await hotseat(server, server.mette, kind="hot_seat", topic="Prissætning 2")
    withdraw = next(c["custom_id"] for c in iter_components(confirmed.components) if c.get("custom_id"))
    await server.emu.click(server.mette, confirmed.message, withdraw)
    await settle_bot(bot)
    assert program_field(post) is None
    assert any("har trukket sig fra Den varme stol" in n for n in notices(server))


async def test_two_organisers_assigning_at_once_never_overfill(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    await create(server, "1/12", "2.0")
    results = await asyncio.gather(
        server.emu.run_command(
            server.organiser,
            server.announcements,
            "program assign",
            options={"meeting": "1", "slot": "hot_seat", "member": server.mette},
        ),
        server.emu.run_command(
            server.organiser,
            server.announcements,
            "program assign",
            options={"meeting": "1", "slot": "brag_spot", "member": server.john},
        ),
    )
    outcomes = sorted("bekræftet til" in r.content and "allerede" not in r.content for r in results)
    assert outcomes == [False, True]
    await settle_bot(bot)
    shown = await server.emu.run_command(
        server.organiser, server.announcements, "program show", options={"meeting": "1"}
    )
    assert shown.embeds[0]["description"].count("✅") == 1


async def test_unassign_keeps_the_volunteer(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await create(server, "1/12", "2.0")
    await hotseat(server, server.mette, kind="brag_spot", topic="Ny ordre")
    await server.emu.run_command(
        server.organiser,
        server.announcements,
        "program assign",
        options={"meeting": "1", "slot": "brag_spot", "member": server.mette},
    )
    await settle_bot(bot)
    assert program_field(post) == "🏆 Pralepladsen: Mette — Ny ordre"
    out = await server.emu.run_command(
        server.organiser, server.announcements, "program unassign", options={"meeting": "1", "member": server.mette}
    )
    assert "ikke længere bekræftet" in out.content
    await settle_bot(bot)
    assert program_field(post) is None
    shown = await server.emu.run_command(
        server.organiser, server.announcements, "program show", options={"meeting": "1"}
    )
    assert "▫️ **Mette**" in shown.embeds[0]["description"]


async def test_hot_seat_brief_goes_into_a_thread_two_days_before(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await create(server, "1/12", "2.0")
    await hotseat(server, server.mette, kind="hot_seat", topic="Prissætning")
    await server.emu.run_command(
        server.organiser,
        server.announcements,
        "program assign",
        options={"meeting": "1", "slot": "hot_seat", "member": server.mette},
    )
    await settle_bot(bot)
    (assigned,) = [dm for dm in server.emu.dms_to(server.mette) if "bekræftet til Den varme stol" in dm.content]
    opened = await server.emu.click(server.mette, assigned, "mv:brief:1")
    assert opened.modal is not None
    (brief_field,) = opened.modal["components"]  # the text input is wrapped in a Label (type 18), not an action row
    assert brief_field["type"] == 18 and brief_field["label"] == "Udfordringen med få sætninger"
    assert brief_field["component"]["type"] == 4 and brief_field["component"]["custom_id"] == "brief"
    assert brief_field["component"].get("label") is None and brief_field["component"]["required"] is True
    saved = await server.emu.submit_modal(
        server.mette, opened, {"brief": "Jeg tager for lidt for mine ydelser. @everyone hvordan sætter I priser?"}
    )
    assert "Dit oplæg er gemt" in saved.content
    assert server.emu.thread_of(post) is None
    server.clock.now = datetime(2026, 11, 29, 16, 30, tzinfo=UTC)  # two days before 17:30 on 1 December
    await bot.rounds.run_due()
    thread = server.emu.thread_of(post)
    assert thread is not None and "Den varme stol: Mette" in thread.name
    (brief,) = server.emu.channel_messages(thread)
    assert "hvordan sætter I priser" in brief.content
    sent = [r for r in server.emu.requests if r.method == "POST" and r.path == f"/channels/{thread.id}/messages"]
    assert sent[-1].json["allowed_mentions"] == {"parse": []}  # the @everyone in the text pings nobody


async def test_topic_length_is_limited_and_blank_topics_refused(server: Server, running: RunningBot) -> None:
    await running.start()
    await create(server, "1/12", "2.0")
    (hotseat_command,) = [c for c in server.emu.synced_commands(server.guild) if c["name"] == "hotseat"]
    topic_option = next(o for o in hotseat_command["options"] if o["name"] == "topic")
    assert topic_option["max_length"] == 150  # Discord's client refuses longer text before it is sent
    blank = await hotseat(server, server.mette, kind="hot_seat", topic="   ")
    assert blank.ephemeral and "må ikke være tomt" in blank.content


async def test_a_volunteer_named_like_a_link_shows_as_text_to_the_organisers(
    server: Server, running: RunningBot
) -> None:
    await running.start()
    await create(server, "1/12", "2.0")
    sneaky = server.emu.add_user("sneaky", locale="da", global_name="[Bestyrelsen](https://x.example)")
    await server.emu.member_join(server.guild, sneaky)
    await hotseat(server, sneaky, kind="hot_seat", topic="[Betal kontingent](https://x.example)")
    await server.emu.wait_for(lambda: any("Ny frivillig" in n for n in notices(server)))
    (notice,) = [n for n in notices(server) if "Ny frivillig" in n]
    assert notice.startswith("Ny frivillig: \\[Bestyrelsen\\](https://x.example) til Den varme stol")
    assert "“\\[Betal kontingent\\](https://x.example)”" in notice
    shown = await server.emu.run_command(
        server.organiser, server.announcements, "program show", options={"meeting": "1"}
    )
    assert "**\\[Bestyrelsen\\](https://x.example)**" in shown.embeds[0]["description"]
