"""Member text inside the bot's formatting shows as typed: never a masked link, a heading, a quote or emphasis."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.i18n import default_catalogue
from bot.profiles import Profile, directory_card, profile_card, who_card
from bot.program import SlotKind
from bot.render import ProgramEntry, announcement_card, plain, reminder_card
from bot.rsvp import Attendee, Roster, RsvpState
from tests.unit.test_render import meeting

CATALOGUE = default_catalogue()
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
LINK = "[Pay dues](https://x.example)"
SHOWN = "\\[Pay dues\\](https://x.example)"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (LINK, SHOWN),
        ("[Pay dues](<https://x.example>)", "\\[Pay dues\\](<https://x.example>)"),
        ("[https://good.example](https://evil.example)", "\\[https://good.example\\](https://evil.example)"),
        ("<https://x.example> <:mv:123> <#45>", "<https://x.example> <:mv:123> <#45>"),  # show themselves
        ("# Vigtigt", "\\# Vigtigt"),
        ("-# lille", "\\-# lille"),
        ("> citat", "\\> citat"),
        ("første\n  - punkt\n## to", "første\n  \\- punkt\n\\## to"),
        (
            "**fed** _kursiv_ ~~væk~~ ||skjult|| `kode`",
            "\\*\\*fed\\*\\* \\_kursiv\\_ \\~\\~væk\\~\\~ \\|\\|skjult\\|\\| \\`kode\\`",
        ),
        ("C:\\temp", "C:\\\\temp"),
        ("se https://x.example/a_b_c nu", "se https://x.example/a_b_c nu"),  # a bare address stays whole
        ("Mettes Regnskab - og moms", "Mettes Regnskab - og moms"),  # a dash inside a line is no list
        ("Æble & Co. (ApS)", "Æble & Co. (ApS)"),
    ],
)
def test_plain_escapes_what_discord_would_read_as_formatting(typed: str, shown: str) -> None:
    assert plain(typed) == shown


def roster_of(*names: str) -> Roster:
    going = tuple(Attendee(index, name, RsvpState.GOING, NOW) for index, name in enumerate(names))
    return Roster(going=going, maybe=(), not_going=(), waiting=(), guests=())


def test_the_announcement_and_reminder_show_names_businesses_and_topics_as_text() -> None:
    program = [
        ProgramEntry(SlotKind.INTRO, "# Anna", f"{LINK} · Mad og drikke"),
        ProgramEntry(SlotKind.HOT_SEAT, "Bo", LINK),
    ]
    card = announcement_card(meeting(), roster_of(LINK, "Mette"), program, "da", CATALOGUE, wanted_topics=[LINK])
    fields = {field.name: field.value for field in card.fields}
    assert fields["Kommer (2)"] == f"{SHOWN}, Mette"
    assert fields["Program"].splitlines() == [
        f"👋 Nyt medlem præsenterer sig: \\# Anna — {SHOWN} · Mad og drikke",
        f"🔥 Den varme stol: Bo — {SHOWN}",
    ]
    assert fields["Emner medlemmerne har ønsket"] == f"• {SHOWN}"
    reminder = reminder_card(meeting(), roster_of(), program[1:], "i morgen", False, None, "da", CATALOGUE)
    assert "🔥 Den varme stol: Bo" in {field.value for field in reminder.fields}
    named = reminder_card(
        meeting(), roster_of(), [ProgramEntry(SlotKind.BRAG_SPOT, LINK)], "i morgen", False, None, "da", CATALOGUE
    )
    assert any(SHOWN in field.value for field in named.fields)


def test_profiles_show_the_business_offer_and_wish_as_text() -> None:
    profile = Profile(1, LINK, "it", None, f"# Gratis\n{LINK}", LINK, name="> Anna")
    card = profile_card(profile, None, False, "da", CATALOGUE)
    fields = {field.name: field.value for field in card.fields}
    assert (fields["Tilbyder"], fields["Søger"]) == (f"\\# Gratis\n{SHOWN}", SHOWN)
    assert card.description.startswith("\\> Anna")
    listing = directory_card([profile], 0, "da", CATALOGUE, "Virksomheder").description
    assert listing == f"**{SHOWN}** — \\> Anna · IT og web\n\\# Gratis\n{SHOWN}"
    who = who_card("Mødet", [profile], 0, "da", CATALOGUE).description
    assert f"• \\> Anna — {SHOWN}" in who
