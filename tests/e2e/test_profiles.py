"""Who is who end to end: profiles, the directory, /meeting who and the "worth meeting" DMs, in Danish and English."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.profiles import Profile
from bot.rounds import RoundKind, RoundState
from db import profiles, rounds
from tests.e2e.conftest import START, RunningBot, Server, settle_bot
from tests.fakediscord import FakeMessage, FakeUser, InteractionResult, iter_components

GOING, MAYBE = "✅", "❔"
# The default meeting: 1 December 2026 17:30 Copenhagen = 16:30 UTC; suggestions go a day before.
MEETING = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)
SUGGESTIONS_DUE = MEETING - timedelta(days=1)
LONG_AGO = datetime(2024, 1, 10, tzinfo=UTC)
RECENTLY = START - timedelta(days=20)  # within program.newcomer_days (120)
ZWSP = "\u200b"


async def create_meeting(server: Server, date: str = "1/12", format: str = "2.0") -> FakeMessage:
    result = await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": date, "format": format}
    )
    assert "Oprettet og annonceret" in result.followups[-1].content, result.followups[-1].content
    return [m for m in server.emu.channel_messages(server.announcements) if m.embeds][-1]


async def fill_in(server: Server, user: FakeUser, trade: str, **values: str) -> InteractionResult:
    """/profile edit with ``trade``, then the form with ``values`` (inputs left out keep what they show)."""
    opened = await server.emu.run_command(user, server.announcements, "profile edit", options={"trade": trade})
    assert opened.modal is not None, opened
    return await server.emu.submit_modal(user, opened, values)


def person(server: Server, name: str, *, locale: str = "da", joined: datetime = LONG_AGO) -> FakeUser:
    """A member who was in the server before the bot started (their join date is known from the start)."""
    user = server.emu.add_user(name, locale=locale)
    server.guild.add_member(user, joined_at=joined)
    return user


def fields(result: InteractionResult) -> dict[str, str]:
    return {f["name"]: f["value"] for f in result.embeds[0].get("fields", [])}


def worth_meeting_dms(server: Server, user: FakeUser) -> list[str]:
    return [m.content for m in server.emu.dms_to(user) if "Værd at møde" in m.content or "Worth meeting" in m.content]


# -- the profile -------------------------------------------------------------------------------------------------------


async def test_a_profile_is_created_shown_changed_and_removed(server: Server, running: RunningBot) -> None:
    await running.start()
    emu = server.emu
    post = await create_meeting(server)
    await emu.react(server.mette, post, GOING)

    opened = await emu.run_command(server.mette, server.announcements, "profile edit", options={"trade": "bookkeeping"})
    form = opened.modal
    assert form is not None and form["title"] == "Din virksomhed"
    # One modal of five inputs, each in a Label (type 18): name, offer, looking for, website, town.
    assert [c["type"] for c in form["components"]] == [18] * 5
    inputs = {c["component"]["custom_id"]: c["component"] for c in form["components"]}
    assert inputs["offer"]["max_length"] == 300 and inputs["looking_for"]["max_length"] == 300
    assert not inputs["website"]["required"] and not inputs["town"]["required"]
    created = await emu.submit_modal(
        server.mette,
        opened,
        {
            "business": "Mettes Regnskab",
            "offer": "Bogføring og årsregnskaber for små virksomheder",
            "looking_for": "En fotograf til min hjemmeside",
            "website": "https://mettesregnskab.dk",
            "town": "Stege",
        },
    )
    assert created.ephemeral and "Din profil er oprettet" in created.content
    card = created.embeds[0]
    assert card["title"] == "Mettes Regnskab"
    assert card["description"] == "Mette · Bogføring og regnskab · Stege"
    assert fields(created)["Tilbyder"] == "Bogføring og årsregnskaber for små virksomheder"
    assert fields(created)["Hjemmeside"] == "https://mettesregnskab.dk"
    assert fields(created)["Næste møde"] == "✅ kommer"
    assert fields(created)["Medlem siden"].startswith("<t:")

    shown = await emu.run_command(server.john, server.announcements, "profile show", options={"member": server.mette})
    assert shown.ephemeral and shown.embeds[0]["title"] == "Mettes Regnskab"
    assert shown.embeds[0]["description"] == "Mette · Bookkeeping and accounting · Stege"
    assert fields(shown)["Looking for"] == "En fotograf til min hjemmeside"
    assert fields(shown)["Next meeting"] == "✅ going"

    # Changing: the form shows what is stored; a trade typed in one's own words is "other".
    opened = await emu.run_command(server.mette, server.announcements, "profile edit", options={"trade": "Bådebygger"})
    assert opened.modal is not None
    shown_values = {c["component"]["custom_id"]: c["component"].get("value") for c in opened.modal["components"]}
    assert shown_values["business"] == "Mettes Regnskab" and shown_values["town"] == "Stege"
    changed = await emu.submit_modal(server.mette, opened, {"offer": "Både i træ, bygget på Møn"})
    assert "Din profil er opdateret" in changed.content
    assert changed.embeds[0]["description"] == "Mette · Bådebygger · Stege"
    assert fields(changed)["Tilbyder"] == "Både i træ, bygget på Møn"
    assert fields(changed)["Søger"] == "En fotograf til min hjemmeside"  # kept

    own = await emu.run_command(server.mette, server.announcements, "profile show")
    assert own.embeds[0]["title"] == "Mettes Regnskab"
    removed = await emu.run_command(server.mette, server.announcements, "profile remove")
    assert removed.ephemeral and "Din profil er slettet" in removed.content
    gone = await emu.run_command(server.john, server.announcements, "profile show", options={"member": server.mette})
    assert gone.ephemeral and gone.content == "Mette has no profile yet."
    again = await emu.run_command(server.mette, server.announcements, "profile remove")
    assert "Du har ingen profil endnu" in again.content


async def test_the_trade_is_picked_from_the_list_in_the_members_language(server: Server, running: RunningBot) -> None:
    await running.start()
    emu = server.emu
    danish = await emu.autocomplete(server.mette, server.announcements, "profile edit", focused="trade")
    assert [c["name"] for c in danish][:3] == ["Bogføring og regnskab", "Håndværk", "IT og web"]
    assert len(danish) == 12 and danish[-1] == {"name": "Andet", "value": "other"}
    english = await emu.autocomplete(
        server.john, server.announcements, "profile edit", {"trade": "book"}, focused="trade"
    )
    assert english[0] == {"name": "Other: book", "value": "book"}  # what was typed, as the member's own trade
    assert {"name": "Bookkeeping and accounting", "value": "bookkeeping"} in english
    only_list = await emu.autocomplete(
        server.john, server.announcements, "directory", {"trade": "book"}, focused="trade"
    )
    assert only_list == [{"name": "Bookkeeping and accounting", "value": "bookkeeping"}]


async def test_too_long_text_bad_websites_and_everyone_pings(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    emu = server.emu
    base = {"business": "Johns IT", "offer": "IT support", "looking_for": "Customers"}
    # Too long: the form says 300 and Discord refuses more before the bot sees it.
    opened = await emu.run_command(server.john, server.announcements, "profile edit", options={"trade": "it"})
    with pytest.raises(AssertionError, match=r"offer. must be 0..300 characters long"):
        await emu.submit_modal(server.john, opened, {**base, "offer": "x" * 301})

    for website in ("javascript:alert(1)", "ftp://x.dk", "https://@everyone", "https://intranet"):
        refused = await fill_in(server, server.john, "it", **base, website=website)
        assert refused.ephemeral and "is not a website I can show" in refused.content, website
        assert "http:// or https://" in refused.content
    assert await profiles.get(bot.db, server.guild.id, server.john.id) is None  # nothing saved

    pinging = {**base, "offer": "IT for everyone @everyone @here <@&1>", "website": "johns-it.dk"}
    saved = await fill_in(server, server.john, "it", **pinging)
    assert "Your profile is created" in saved.content
    assert fields(saved)["Website"] == "https://johns-it.dk"  # a bare domain gets https://
    offer = fields(saved)["Offers"]
    assert offer == f"IT for everyone @{ZWSP}everyone @{ZWSP}here <{ZWSP}@&1>"
    assert saved.message is not None and not saved.message.mention_everyone
    stored = await profiles.get(bot.db, server.guild.id, server.john.id)
    assert stored is not None and "@everyone" not in stored.offer

    # Editing again shows the text as typed (without the invisible spaces), and it is made harmless once more.
    opened = await emu.run_command(server.john, server.announcements, "profile edit", options={"trade": "it"})
    assert opened.modal is not None
    typed = {c["component"]["custom_id"]: c["component"].get("value") for c in opened.modal["components"]}
    assert typed["offer"] == "IT for everyone @everyone @here <@&1>"
    again = await emu.submit_modal(server.john, opened, {})
    assert fields(again)["Offers"] == offer


# -- the directory -----------------------------------------------------------------------------------------------------


TRADES = ["bookkeeping", "crafts", "it", "design", "food", "health"]


async def test_directory_pages_filters_by_trade_and_finds_stemmed_danish(server: Server, running: RunningBot) -> None:
    people = [person(server, f"Medlem{index:02d}") for index in range(12)]
    bot = await running.start()
    await settle_bot(bot)
    for index, user in enumerate(people):
        business = "Regnskaber og Løn" if index == 7 else f"Firma {index:02d}"
        offer = "Vi laver regnskaber" if index == 7 else f"Ydelse nummer {index}"
        await profiles.save(
            bot.db,
            server.guild.id,
            Profile(user.id, business, TRADES[index % len(TRADES)], None, offer, "Kunder", None, "Stege"),
            START,
        )
    emu = server.emu

    first = await emu.run_command(server.mette, server.announcements, "directory")
    embed = first.embeds[0]
    assert first.ephemeral and embed["title"] == "Virksomheder i MikroVirk"
    assert embed["footer"]["text"] == "Side 1 af 2 · 12 virksomheder"
    assert embed["description"].count("**Firma") == 10
    assert embed["description"].startswith("**Firma 00** — Medlem00 · Bogføring og regnskab · Stege")
    buttons = [c for c in iter_components(first.components) if c.get("type") == 2]
    assert [b.get("disabled", False) for b in buttons] == [True, False]  # Previous, Next
    assert first.message is not None

    bot = await running.restart()  # the page buttons outlive the bot
    second = await emu.click(server.mette, first.message, buttons[1]["custom_id"])
    assert second.response_type == 7  # the same message turns the page
    page_two = second.message.embeds[0]  # type: ignore[union-attr]
    assert page_two["footer"]["text"] == "Side 2 af 2 · 12 virksomheder"
    assert page_two["description"].count("**") == 4  # Firma 11 and "Regnskaber og Løn"
    assert "Regnskaber og Løn" in page_two["description"]
    back = next(c for c in iter_components(second.components) if c.get("type") == 2)
    assert not back.get("disabled")
    first_again = await emu.click(server.mette, first.message, back["custom_id"])
    assert first_again.message.embeds[0]["footer"]["text"].startswith("Side 1 af 2")  # type: ignore[union-attr]

    it = await emu.run_command(server.john, server.announcements, "directory", options={"trade": "it"})
    listed = it.embeds[0]["description"]
    assert it.embeds[0]["title"] == "Businesses in MikroVirk · IT and web"
    assert listed.count("**") == 4 and "Firma 02" in listed and "Firma 08" in listed
    assert it.embeds[0]["footer"]["text"] == "Page 1 of 1 · 2 businesses" and not it.components

    found = await emu.run_command(server.mette, server.announcements, "directory", options={"search": "regnskab"})
    assert found.embeds[0]["description"].count("**") == 2 and "Regnskaber og Løn" in found.embeds[0]["description"]
    nothing = await emu.run_command(
        server.mette, server.announcements, "directory", options={"trade": "food", "search": "regnskab"}
    )
    assert nothing.content.startswith("Ingen virksomheder passer") and not nothing.embeds


# -- /meeting who ------------------------------------------------------------------------------------------------------


async def test_meeting_who_groups_by_trade_and_counts_those_without_a_profile(
    server: Server, running: RunningBot
) -> None:
    anna, bo, carl, dorte = (person(server, name) for name in ("Anna", "Bo", "Carl", "Dorte"))
    bot = await running.start()
    post = await create_meeting(server)
    for user in (anna, bo, carl, server.mette):
        await server.emu.react(user, post, GOING)
    await server.emu.react(dorte, post, MAYBE)
    await settle_bot(bot)
    for user, business, trade, own in (
        (anna, "Annas Bageri", "food", None),
        (bo, "Bos Bogføring", "bookkeeping", None),
        (carl, "Carls Både", "other", "Bådebygger"),
        (server.mette, "Mettes Regnskab", "bookkeeping", None),
        (dorte, "Dortes Design", "design", None),  # only maybe: not listed
    ):
        await profiles.save(
            bot.db, server.guild.id, Profile(user.id, business, trade, own, "Noget", "Noget andet"), START
        )
    await server.emu.react(server.john, post, GOING)  # going, without a profile

    who = await server.emu.run_command(server.mette, server.announcements, "meeting who", options={"meeting": "1"})
    embed = who.embeds[0]
    assert who.ephemeral and embed["title"].startswith("Hvem kommer: tirsdag 1. december 2026")
    assert embed["description"] == (
        "**Bogføring og regnskab** (2)\n• Bo — Bos Bogføring\n• Mette — Mettes Regnskab\n\n"
        "**Mad og drikke** (1)\n• Anna — Annas Bageri\n\n"
        "**Andet** (1)\n• Carl — Carls Både (Bådebygger)"
    )
    assert embed["footer"]["text"] == "1 af dem, der kommer, har ingen profil endnu."
    assert "John" not in str(embed) and "Dorte" not in str(embed)
    english = await server.emu.run_command(server.john, server.announcements, "meeting who", options={"meeting": "1"})
    assert english.embeds[0]["description"].startswith("**Bookkeeping and accounting** (2)")
    assert english.embeds[0]["footer"]["text"] == "1 of those going has no profile yet."


# -- newcomers ---------------------------------------------------------------------------------------------------------


def program_field(post: FakeMessage) -> str | None:
    return next((f["value"] for f in post.embeds[0]["fields"] if f["name"] == "Program"), None)


async def test_newcomers_are_asked_for_a_profile_and_present_with_their_business(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    post = await create_meeting(server, "1/12", "1.0")
    anna = server.emu.add_user("Anna", locale="da")
    await server.emu.member_join(server.guild, anna)
    await settle_bot(bot)
    (welcome,) = server.emu.dms_to(anna)
    assert "Velkommen i MikroVirk" in welcome.content and "/profile edit" in welcome.content
    signed = await server.emu.run_command(anna, server.announcements, "intro")
    assert "Du præsenterer på" in signed.content
    await settle_bot(bot)
    assert program_field(post) == "👋 Nyt medlem præsenterer sig: Anna"

    await fill_in(server, anna, "food", business="Annas Bageri", offer="Surdejsbrød", looking_for="En café")
    await settle_bot(bot)
    assert program_field(post) == "👋 Nyt medlem præsenterer sig: Anna — Annas Bageri · Mad og drikke"
    await server.emu.run_command(anna, server.announcements, "profile remove")
    await settle_bot(bot)
    assert program_field(post) == "👋 Nyt medlem præsenterer sig: Anna"


# -- worth meeting -----------------------------------------------------------------------------------------------------

REASONS = ("søger «", "tilbyder «", "looks for “", "offers “", "ny i netværket", "new in the network", "har været med")


def suggestion_lines(dm: str) -> list[str]:
    return [line for line in dm.splitlines() if line.startswith("• ")]


async def test_worth_meeting_goes_once_to_those_going_with_a_profile_who_want_it(
    server: Server, running: RunningBot
) -> None:
    birthe = person(server, "Birthe")
    frank = person(server, "Frank", locale="en-US")
    anna = person(server, "Anna", joined=RECENTLY)
    quiet = person(server, "Stille")
    maybe = person(server, "Måske")
    bot = await running.start()
    post = await create_meeting(server)
    await fill_in(
        server, birthe, "bookkeeping", business="Birthes Bogføring", offer="Bogføring og årsregnskaber",
        looking_for="En fotograf til produktbilleder",
    )  # fmt: skip
    await fill_in(
        server, frank, "design", business="Frank Foto", offer="Fotografering, product photos and portraits",
        looking_for="an accountant for my books",
    )  # fmt: skip
    await fill_in(server, anna, "food", business="Annas Café", offer="Kaffe og kager", looking_for="Stamkunder")
    await fill_in(server, quiet, "design", business="Stille Foto", offer="Fotografering", looking_for="Regnskab")
    off = await server.emu.run_command(quiet, server.announcements, "profile suggestions off")
    assert "Du får ikke flere forslag" in off.content
    await profiles.save(
        bot.db, server.guild.id, Profile(maybe.id, "Måske ApS", "it", None, "Regnskab", "Fotograf"), START
    )
    for user in (birthe, frank, anna, quiet, server.mette):  # Mette goes without a profile
        await server.emu.react(user, post, GOING)
    await server.emu.react(maybe, post, MAYBE)
    await settle_bot(bot)
    (row,) = [r for r in await rounds.for_meeting(bot.db, 1) if r.kind is RoundKind.SUGGESTIONS]
    assert row.due_at == SUGGESTIONS_DUE

    server.clock.now = SUGGESTIONS_DUE - timedelta(minutes=1)
    await bot.rounds.run_due()
    assert not worth_meeting_dms(server, birthe)
    server.clock.now = SUGGESTIONS_DUE
    await bot.rounds.run_due()

    (danish,) = worth_meeting_dms(server, birthe)
    assert danish.startswith("🤝 Værd at møde på tirsdag 1. december 2026 17:30")
    assert f"• <@{frank.id}> – Frank Foto · Design og kommunikation: " in danish
    (english,) = worth_meeting_dms(server, frank)
    assert english.startswith("🤝 Worth meeting at Tuesday 1 December 2026 17:30")
    assert f"• <@{birthe.id}> — Birthes Bogføring · Bookkeeping and accounting: " in english
    # The rarest word they share: Frank wrote "accountant", Birthe's trade is "accounting" (the same English stem).
    assert "Design og kommunikation: søger «accountant» – du tilbyder «accounting»" in danish
    assert "Bookkeeping and accounting: offers “accounting” — you look for “accountant”" in english
    (newcomer,) = worth_meeting_dms(server, anna)
    assert "har været med et stykke tid" in newcomer  # newcomers meet long-standing members
    assert "ny i netværket" in danish  # and the other way round
    for user, dm in ((birthe, danish), (frank, english), (anna, newcomer)):
        lines = suggestion_lines(dm)
        assert 1 <= len(lines) <= 3
        assert all(any(reason in line for reason in REASONS) for line in lines), dm
        assert f"<@{user.id}>" not in dm  # never oneself
        assert f"<@{maybe.id}>" not in dm and f"<@{server.mette.id}>" not in dm  # not going / no profile
    assert not worth_meeting_dms(server, quiet)  # turned off
    assert not worth_meeting_dms(server, maybe) and not worth_meeting_dms(server, server.mette)
    assert (await rounds.get(bot.db, row.id)).state is RoundState.SENT  # type: ignore[union-attr]

    bot = await running.restart()  # a restart after sending sends nothing again
    await bot.rounds.run_due()
    await asyncio.sleep(0.3)
    assert [len(worth_meeting_dms(server, u)) for u in (birthe, frank, anna, quiet)] == [1, 1, 1, 0]


async def test_a_kill_in_the_middle_of_the_suggestions_reaches_each_member_once(
    server: Server, running: RunningBot
) -> None:
    people = [person(server, f"Deltager{index}") for index in range(8)]
    bot = await running.start()
    post = await create_meeting(server)
    for index, user in enumerate(people):
        offer, wanted = ("Fotografering", "regnskab") if index % 2 else ("Regnskab", "en fotograf")
        await profiles.save(
            bot.db, server.guild.id, Profile(user.id, f"Firma {index}", "other", None, offer, wanted), START
        )
        await server.emu.react(user, post, GOING)
    await settle_bot(bot)
    server.clock.now = SUGGESTIONS_DUE
    sending = asyncio.create_task(bot.rounds.run_due(), name="round-run")
    await server.emu.wait_for(lambda: sum(len(worth_meeting_dms(server, p)) for p in people) >= 3, timeout=10)
    await running.kill()
    assert sending.done()
    before = sum(len(worth_meeting_dms(server, p)) for p in people)
    assert 3 <= before < 8

    await running.start()  # the row was left "sending": it resumes with the members not yet reached
    await server.emu.wait_for(lambda: all(worth_meeting_dms(server, p) for p in people), timeout=15)
    await asyncio.sleep(0.3)
    assert [len(worth_meeting_dms(server, p)) for p in people] == [1] * 8


async def test_no_suggestions_when_nobody_going_has_a_profile(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await create_meeting(server)
    await server.emu.react(server.mette, post, GOING)
    await settle_bot(bot)
    server.clock.now = SUGGESTIONS_DUE
    await bot.rounds.run_due()
    (row,) = [r for r in await rounds.for_meeting(bot.db, 1) if r.kind is RoundKind.SUGGESTIONS]
    assert row.state is RoundState.SKIPPED and not worth_meeting_dms(server, server.mette)


# -- member text stays text --------------------------------------------------------------------------------------------

LINK = "[Pay dues](https://x.example)"
SHOWN = "\\[Pay dues\\](https://x.example)"  # Discord hides the backslashes and links nothing


async def test_member_text_that_looks_like_a_link_is_shown_as_text(server: Server, running: RunningBot) -> None:
    """A business, an offer and a display name written as Markdown links show as typed: in the announcement's
    program and going list, in /profile show and in /directory."""
    bot = await running.start()
    post = await create_meeting(server, "1/12", "1.0")
    anna = server.emu.add_user("anna", locale="da", global_name="[Anna](https://y.example)")
    await server.emu.member_join(server.guild, anna)
    await settle_bot(bot)
    await server.emu.run_command(anna, server.announcements, "intro")
    await fill_in(server, anna, "food", business=LINK, offer=f"# Gratis\n{LINK}", looking_for="En café")
    await server.emu.react(anna, post, "✅")
    await settle_bot(bot)
    shown_name = "\\[Anna\\](https://y.example)"
    assert program_field(post) == f"👋 Nyt medlem præsenterer sig: {shown_name} — {SHOWN} · Mad og drikke"
    going = next(f["value"] for f in post.embeds[0]["fields"] if f["name"].startswith("Kommer"))
    assert going == shown_name

    card = await server.emu.run_command(server.mette, server.announcements, "profile show", options={"member": anna})
    assert fields(card)["Tilbyder"] == f"\\# Gratis\n{SHOWN}"
    listing = await server.emu.run_command(server.mette, server.announcements, "directory")
    description = listing.embeds[0]["description"]
    assert f"**{SHOWN}** — {shown_name}" in description and "](https://x.example)" not in description.replace(SHOWN, "")
