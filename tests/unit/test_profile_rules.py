"""Profiles as plain data: websites, harmless mentions, trades, the directory, /meeting who and the cards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import UserFacingError
from bot.i18n import default_catalogue
from bot.profiles import (
    DEFAULT_TRADES,
    OTHER,
    Profile,
    directory,
    directory_card,
    neutralise,
    normal_website,
    pages,
    profile_card,
    resolve_trade,
    trade_list,
    who_card,
)
from bot.rsvp import RsvpState
from cogs._interactions import clean_text

CATALOGUE = default_catalogue()
ZWSP = "\u200b"


def profile(user_id: int, business: str, trade: str = "it", *, name: str = "", **fields: str) -> Profile:
    return Profile(
        user_id,
        business,
        trade,
        fields.get("own"),
        fields.get("offer", "Noget"),
        fields.get("looking_for", "Noget andet"),
        name=name or f"Medlem {user_id}",
    )


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("https://mettesregnskab.dk", "https://mettesregnskab.dk"),
        ("http://example.dk/om-os?side=2", "http://example.dk/om-os?side=2"),
        ("HTTPS://EXAMPLE.DK", "HTTPS://EXAMPLE.DK"),
        ("mikrovirk.dk", "https://mikrovirk.dk"),  # a bare domain, as people write it
        ("  www.mikrovirk.dk/  ", "https://www.mikrovirk.dk/"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(document.cookie)", None),
        ("ftp://x.dk", None),
        ("data:text/html,<b>hej</b>", None),
        ("https://bruger@mikrovirk.dk", None),  # a user name before the host misleads
        ("https://@everyone", None),
        ("https://intranet", None),  # no domain
        ("https://mikrovirk.dk/a b", None),
        ("https://mikrovirk.dk/<@1>", None),
        ("https://[::1", None),
    ],
)
def test_websites(typed: str, shown: str | None) -> None:
    assert normal_website(typed) == shown


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Tilbud til @everyone", f"Tilbud til @{ZWSP}everyone"),
        ("@here og @Everyone", f"@{ZWSP}here og @{ZWSP}Everyone"),
        ("Spørg <@123> eller <@&456> eller <@!789>", f"Spørg <{ZWSP}@123> eller <{ZWSP}@&456> eller <{ZWSP}@!789>"),
        ("Skriv til mette@mettesregnskab.dk", "Skriv til mette@mettesregnskab.dk"),
        ("@everyoneelse", "@everyoneelse"),
    ],
)
def test_member_text_can_ping_nobody(typed: str, stored: str) -> None:
    assert neutralise(typed) == stored


def test_the_trade_list_is_the_organisers_or_the_default_with_other_last() -> None:
    assert trade_list(()) == (*DEFAULT_TRADES, OTHER)
    assert len(trade_list(())) == 12
    assert trade_list(("Fiskeri", "Other", "Landbrug")) == ("Fiskeri", "Landbrug", OTHER)


@pytest.mark.parametrize(
    ("typed", "trade"),
    [
        ("bookkeeping", ("bookkeeping", None)),
        ("Bogføring og regnskab", ("bookkeeping", None)),  # the Danish name
        ("it and WEB", ("it", None)),  # the English name, any case
        ("Andet", (OTHER, None)),
        ("  Bådebygger ", (OTHER, "Bådebygger")),  # the member's own words
        ("@everyone-konsulent", (OTHER, f"@{ZWSP}everyone-konsulent")),
    ],
)
def test_a_trade_is_picked_or_written(typed: str, trade: tuple[str, str | None]) -> None:
    assert resolve_trade(typed, trade_list(()), CATALOGUE) == trade


def test_an_organisers_trade_reads_as_written() -> None:
    assert resolve_trade("fiskeri", ("Fiskeri", OTHER), CATALOGUE) == ("Fiskeri", None)


def test_too_long_text_is_refused_with_its_length_and_limit() -> None:
    with pytest.raises(UserFacingError) as refused:
        clean_text("x" * 301, 300, "Hvad jeg tilbyder")
    error = refused.value
    assert CATALOGUE.text("da", error.key, **error.params) == (
        "Feltet Hvad jeg tilbyder er for langt (301 tegn; højst 300). Forkort det venligst."
    )


def test_the_directory_filters_searches_and_sorts_the_danish_way() -> None:
    everyone = [
        profile(1, "Åens Bageri", "food"),
        profile(2, "Ærø Design", "design", name="Birgitte"),
        profile(3, "Zebra IT"),
        profile(4, "Ørsted Regnskab", "bookkeeping", offer="Regnskaber og løn"),
        profile(5, "Anna IT", looking_for="En revisor"),
    ]
    assert [p.business for p in directory(everyone, None, "")] == [
        "Anna IT",
        "Zebra IT",
        "Ærø Design",
        "Ørsted Regnskab",
        "Åens Bageri",
    ]
    assert [p.user_id for p in directory(everyone, "it", "")] == [5, 3]
    assert [p.user_id for p in directory(everyone, None, "regnskab")] == [4]
    assert [p.user_id for p in directory(everyone, None, "revisor")] == [5]  # looking-for counts too
    assert [p.user_id for p in directory(everyone, None, "birgitte")] == [2]  # and the member's name


def test_directory_pages_hold_ten() -> None:
    assert [pages(n) for n in (0, 1, 10, 11, 20, 21)] == [1, 1, 1, 2, 2, 3]
    found = [profile(i, f"Firma {i:02d}") for i in range(1, 13)]
    card = directory_card(found, 1, "en", CATALOGUE, "Businesses")
    assert card.description.count("**Firma") == 2 and card.footer == "Page 2 of 2 · 12 businesses"


def test_who_groups_by_trade_other_last_and_only_counts_those_without_a_profile() -> None:
    going = [
        profile(3, "Carls Både", OTHER, name="Carl", own="Bådebygger"),
        profile(2, "Bos Bogføring", "bookkeeping", name="Bo"),
        profile(1, "Annas Bageri", "food", name="Anna"),
        profile(4, "Ditte Data", "it", name="Ditte"),
    ]
    card = who_card("1/12", going, 2, "da", CATALOGUE)
    assert [line for line in card.description.splitlines() if line.startswith("**")] == [
        "**Bogføring og regnskab** (1)",
        "**IT og web** (1)",
        "**Mad og drikke** (1)",
        "**Andet** (1)",
    ]
    assert "• Carl — Carls Både (Bådebygger)" in card.description
    assert card.footer == "2 af dem, der kommer, har ingen profil endnu."
    assert who_card("1/12", [], 0, "en", CATALOGUE).description == "Nobody has answered ✅ yet."
    assert who_card("1/12", [], 1, "en", CATALOGUE).footer == "1 of those going has no profile yet."


def test_the_card_shows_the_member_the_trade_and_the_next_answer() -> None:
    shown = Profile(
        7,
        "Mettes Regnskab",
        "bookkeeping",
        None,
        "Bogføring",
        "En fotograf",
        "https://mettesregnskab.dk",
        "Stege",
        name="Mette_M",
        joined_at=datetime(2024, 1, 10, tzinfo=UTC),
    )
    card = profile_card(shown, RsvpState.MAYBE, True, "da", CATALOGUE)
    assert card.title == "Mettes Regnskab"
    assert card.description == "Mette\\_M · Bogføring og regnskab · Stege"  # the name's underscore stays one
    values = {f.name: f.value for f in card.fields}
    assert values["Medlem siden"] == "<t:1704844800:D>" and values["Næste møde"] == "❔ måske"
    assert values["Hjemmeside"] == "https://mettesregnskab.dk"
    no_meeting = profile_card(shown, None, False, "en", CATALOGUE)
    assert {f.name: f.value for f in no_meeting.fields}["Next meeting"] == "no meeting planned"
