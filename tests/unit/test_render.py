from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import Language
from bot.exports import attendees_csv, meetings_ics
from bot.i18n import default_catalogue
from bot.meetings import Meeting, MeetingFormat, MeetingStatus
from bot.render import (
    ProgramEntry,
    announcement_card,
    guest_list,
    local_date,
    local_month,
    names_within,
    one_decimal,
    short_date,
)
from bot.rsvp import GUESTS_PER_MEMBER_MAX, Attendee, Guest, Roster, RsvpState
from cogs.meetings._guests import GUEST_BUSINESS_MAX, GUEST_NAME_MAX

CATALOGUE = default_catalogue()
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def meeting(**changes: object) -> Meeting:
    values: dict[str, object] = {
        "id": 7,
        "guild_id": 1,
        "starts_at": datetime(2026, 12, 1, 16, 30, tzinfo=UTC),
        "timezone": ZoneInfo("Europe/Copenhagen"),
        "duration": timedelta(minutes=150),
        "format": MeetingFormat.TOOLS,
        "venue": "Møn Bibliotek",
        "topic": "Moms for begyndere",
        "speaker": "Skat",
        "description": None,
        "capacity": 30,
        "status": MeetingStatus.PLANNED,
        "cancel_reason": None,
        "announcement_channel_id": None,
        "announcement_message_id": None,
        "scheduled_event_id": None,
        "created_by": 9,
    }
    values.update(changes)
    return Meeting(**values)  # type: ignore[arg-type]


def roster(going: int = 0, maybe: int = 0, waiting: int = 0, guests: int = 0, name_length: int = 8) -> Roster:
    def people(count: int, state: RsvpState, offset: int) -> tuple[Attendee, ...]:
        return tuple(
            Attendee(offset + index, f"{state.value[:2]}{index:0{name_length - 2}d}", state, NOW)
            for index in range(count)
        )

    return Roster(
        going=people(going, RsvpState.GOING, 0),
        maybe=people(maybe, RsvpState.MAYBE, 10_000),
        not_going=(),
        waiting=people(waiting, RsvpState.WAITING, 20_000),
        guests=tuple(Guest(index, 7, 1, "Host", f"Gæst {index}", None) for index in range(guests)),
    )


@given(
    st.lists(st.text(alphabet="abcæøåXYZ -", min_size=1, max_size=40), max_size=400),
    st.integers(min_value=20, max_value=1024),
)
def test_names_always_fit_and_count_the_rest(names: list[str], limit: int) -> None:
    text = names_within(names, limit, lambda count: f"[+{count}]")
    if not names:
        assert text == "—"
        return
    assert len(text) <= limit
    shown_part, hidden = text, 0
    if text.endswith("]") and "[+" in text:
        shown_part, marker = text.rsplit("[+", 1)
        hidden = int(marker[:-1])
        shown_part = shown_part.removesuffix(" ")  # the one space before the marker, not a name's own
    shown = shown_part.split(", ") if shown_part else []
    assert shown == names[: len(shown)]  # in order, none skipped
    assert len(shown) + hidden == len(names)  # the rest are counted, not lost


def longest_guest(number: int) -> Guest:
    name = f"{number:03d}" + "Ø" * (GUEST_NAME_MAX - 3)
    return Guest(number, 7, 1, "", name, "B" * GUEST_BUSINESS_MAX)


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_longest_guest_list_fits_one_message_with_every_guest(language: Language) -> None:
    """The worst a member can send: the most guests the cap allows, each with the longest name and business."""
    guests = [longest_guest(number) for number in range(GUESTS_PER_MEMBER_MAX)]
    notice = CATALOGUE.text(language, "guests.added", name=guests[-1].name)
    text = guest_list(guests, notice, language, CATALOGUE)
    assert len(text) <= 2000
    assert text.startswith(notice)
    assert [line[2:5] for line in text.splitlines() if line.startswith("• ")] == [
        f"{number:03d}" for number in range(GUESTS_PER_MEMBER_MAX)
    ]


@given(st.integers(min_value=0, max_value=300), st.integers(min_value=0, max_value=3000))
def test_any_guest_list_fits_one_message_and_counts_the_rest(count: int, notice_length: int) -> None:
    """Lists from before the cap (or a lowered one) and any notice: one message, every guest shown or counted."""
    guests = [longest_guest(number) for number in range(count)]
    text = guest_list(guests, "N" * notice_length or None, "en", CATALOGUE)
    assert len(text) <= 2000
    shown = sum(line.startswith("• ") for line in text.splitlines())
    hidden = int(text.rsplit("+", 1)[1].split()[0]) if shown < count else 0
    assert shown + hidden == count
    if not count:
        assert "no guests" in text


def test_announcement_shows_counts_names_seats_and_program() -> None:
    card = announcement_card(
        meeting(),
        roster(going=3, maybe=1, waiting=0, guests=2),
        [ProgramEntry("intro", "Mette", None)],
        "da",
        CATALOGUE,
    )
    fields = {f.name: f.value for f in card.fields}
    assert card.title == "1.0 — værktøjer · tirsdag 1. december 2026"
    assert fields["Kommer (3) + 2 gæster"] == "go000000, go000001, go000002"
    assert fields["Pladser"] == "5 af 30 taget · 25 ledige"
    assert fields["Program"] == "👋 Nyt medlem præsenterer sig: Mette"
    assert fields["Oplæg"] == "Moms for begyndere — ved Skat"


def test_a_crowd_is_truncated_within_discords_embed_limits() -> None:
    card = announcement_card(meeting(capacity=None), roster(going=500, maybe=300, name_length=32), [], "en", CATALOGUE)
    total = len(card.title) + len(card.description) + len(card.footer or "")
    total += sum(len(f.name) + len(f.value) for f in card.fields)
    assert total <= 6000
    going = next(f for f in card.fields if f.name.startswith("Going (500)"))
    assert len(going.value) <= 1024 and going.value.endswith("more")


def test_cancelled_meeting_says_so() -> None:
    card = announcement_card(
        meeting(status=MeetingStatus.CANCELLED, cancel_reason="Sygdom"), roster(), [], "da", CATALOGUE
    )
    assert card.title.startswith("AFLYST:") and "Sygdom" in card.description


def test_ics_has_stable_uid_venue_and_status() -> None:
    data = meetings_ics([meeting(), meeting(id=8, status=MeetingStatus.CANCELLED)], "MikroVirk", "da", CATALOGUE, NOW)
    events = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == ["meeting-1-7@mikrovirk-bot", "meeting-1-8@mikrovirk-bot"]
    assert events[0]["dtstart"].dt == datetime(2026, 12, 1, 16, 30, tzinfo=UTC)
    assert events[0]["dtend"].dt == datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    assert str(events[0]["location"]) == "Møn Bibliotek"
    assert [str(e["status"]) for e in events] == ["CONFIRMED", "CANCELLED"]


def test_csv_lists_members_and_guests_for_excel() -> None:
    data = attendees_csv(roster(going=1, waiting=1, guests=1), "en", CATALOGUE)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Discord id", "Answer", "Answered at (UTC)", "Guest of", "Business"]
    assert [row[2] for row in rows[1:]] == ["going", "waiting list", "guest"]
    assert rows[3][4] == "Host"


@pytest.mark.parametrize(
    ("language", "full", "short", "month"),
    [
        ("da", "tirsdag 1. december 2026", "1. dec.", "december 2026"),
        ("en", "Tuesday 1 December 2026", "1 Dec", "December 2026"),
    ],
)
def test_dates_as_people_write_them(language: Language, full: str, short: str, month: str) -> None:
    local = datetime(2026, 12, 1, 17, 30, tzinfo=ZoneInfo("Europe/Copenhagen"))
    assert (local_date(local, language), short_date(local, language)) == (full, short)
    assert local_month(local.date(), language) == month


def test_every_day_and_month_name_in_both_languages() -> None:
    week = [datetime(2026, 1, 5) + timedelta(days=day) for day in range(7)]  # Monday 5 January 2026 on
    firsts = [datetime(2026, month, 1) for month in range(1, 13)]

    def names(words: list[str]) -> str:
        return " ".join(words)

    assert names([local_date(day, "da").split()[0] for day in week]) == (
        "mandag tirsdag onsdag torsdag fredag lørdag søndag"
    )
    assert names([local_date(day, "en").split()[0] for day in week]) == (
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
    )
    assert names([local_month(day.date(), "da").split()[0] for day in firsts]) == (
        "januar februar marts april maj juni juli august september oktober november december"
    )
    assert names([local_month(day.date(), "en").split()[0] for day in firsts]) == (
        "January February March April May June July August September October November December"
    )
    assert names([short_date(day, "da").split()[1] for day in firsts]) == (
        "jan. feb. mar. apr. maj jun. jul. aug. sep. okt. nov. dec."
    )
    assert (
        names([short_date(day, "en").split()[1] for day in firsts])
        == "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec"
    )


@pytest.mark.parametrize(
    ("value", "danish", "english"), [(4.25, "4,3", "4.3"), (3, "3,0", "3.0"), (10, "10,0", "10.0"), (None, "—", "—")]
)
def test_one_decimal_uses_the_languages_decimal_mark(value: float | None, danish: str, english: str) -> None:
    assert (one_decimal(value, "da"), one_decimal(value, "en")) == (danish, english)
