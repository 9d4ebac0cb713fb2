from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dates import DateInputError, DateProblem, meeting_instant, parse_date, parse_time

CPH = ZoneInfo("Europe/Copenhagen")
TODAY = date(2026, 11, 26)  # a Thursday
DANISH_MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO
        ("2026-12-01", date(2026, 12, 1)),
        ("2027-1-5", date(2027, 1, 5)),
        ("  2026-12-01  ", date(2026, 12, 1)),
        # day/month, Danish order
        ("1/12", date(2026, 12, 1)),
        ("01/12", date(2026, 12, 1)),
        ("3/2", date(2027, 2, 3)),
        ("12/1", date(2027, 1, 12)),
        ("1/12/2026", date(2026, 12, 1)),
        ("01/12/2026", date(2026, 12, 1)),
        ("1/12/26", date(2026, 12, 1)),
        ("5/6/27", date(2027, 6, 5)),
        ("1 / 12 / 2026", date(2026, 12, 1)),
        # dots
        ("1.12.2026", date(2026, 12, 1)),
        ("1.12.26", date(2026, 12, 1)),
        ("1.12", date(2026, 12, 1)),
        ("1.12.", date(2026, 12, 1)),
        ("01.12.", date(2026, 12, 1)),
        ("1. 12. 2026", date(2026, 12, 1)),
        # dashes
        ("1-12-2026", date(2026, 12, 1)),
        ("1-12-26", date(2026, 12, 1)),
        # day, then month name
        ("1. december", date(2026, 12, 1)),
        ("1 december", date(2026, 12, 1)),
        ("1. dec", date(2026, 12, 1)),
        ("1. dec.", date(2026, 12, 1)),
        ("1.dec", date(2026, 12, 1)),
        ("1. december 2026", date(2026, 12, 1)),
        ("1. december, 2026", date(2026, 12, 1)),
        ("1. dec. 26", date(2026, 12, 1)),
        ("1st December 2026", date(2026, 12, 1)),
        ("  1.   DECEMBER   2026 ", date(2026, 12, 1)),
        # month name, then day (English)
        ("december 1", date(2026, 12, 1)),
        ("December 1, 2026", date(2026, 12, 1)),
        ("Dec 1 2026", date(2026, 12, 1)),
        ("Dec. 1st, 2026", date(2026, 12, 1)),
        ("DEC 1", date(2026, 12, 1)),
        # every Danish and English month name and abbreviation
        ("5. januar 2027", date(2027, 1, 5)),
        ("5 january 2027", date(2027, 1, 5)),
        ("5 jan 2027", date(2027, 1, 5)),
        ("5. februar 2027", date(2027, 2, 5)),
        ("5 february 2027", date(2027, 2, 5)),
        ("5 feb 2027", date(2027, 2, 5)),
        ("5. marts 2027", date(2027, 3, 5)),
        ("5 march 2027", date(2027, 3, 5)),
        ("5 mar 2027", date(2027, 3, 5)),
        ("5. april 2027", date(2027, 4, 5)),
        ("5 apr 2027", date(2027, 4, 5)),
        ("5. maj 2027", date(2027, 5, 5)),
        ("5 may 2027", date(2027, 5, 5)),
        ("5. juni 2027", date(2027, 6, 5)),
        ("5 june 2027", date(2027, 6, 5)),
        ("5 jun 2027", date(2027, 6, 5)),
        ("5. juli 2027", date(2027, 7, 5)),
        ("5 july 2027", date(2027, 7, 5)),
        ("5 jul 2027", date(2027, 7, 5)),
        ("5. august 2027", date(2027, 8, 5)),
        ("5 aug 2027", date(2027, 8, 5)),
        ("5. september 2027", date(2027, 9, 5)),
        ("5 sep 2027", date(2027, 9, 5)),
        ("5 sept 2027", date(2027, 9, 5)),
        ("5. oktober 2027", date(2027, 10, 5)),
        ("5 october 2027", date(2027, 10, 5)),
        ("5. okt 2027", date(2027, 10, 5)),
        ("5 oct 2027", date(2027, 10, 5)),
        ("5. november 2027", date(2027, 11, 5)),
        ("5 nov 2027", date(2027, 11, 5)),
        ("September 5, 2027", date(2027, 9, 5)),
        ("Sept 5 2027", date(2027, 9, 5)),
        ("okt 5", date(2027, 10, 5)),
        # leap day with an explicit year
        ("29/2/2028", date(2028, 2, 29)),
        ("29. februar 2028", date(2028, 2, 29)),
    ],
)
def test_accepted_date_forms(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        # today itself counts as the next occurrence
        ("26/11", date(2026, 11, 26), date(2026, 11, 26)),
        ("25/11", date(2026, 11, 26), date(2027, 11, 25)),
        ("27/11", date(2026, 11, 26), date(2026, 11, 27)),
        ("1/1", date(2026, 11, 26), date(2027, 1, 1)),
        # around new year
        ("31/12", date(2026, 12, 31), date(2026, 12, 31)),
        ("30/12", date(2026, 12, 31), date(2027, 12, 30)),
        ("1/1", date(2026, 12, 31), date(2027, 1, 1)),
        ("1. januar", date(2026, 12, 31), date(2027, 1, 1)),
        ("january 2", date(2026, 12, 31), date(2027, 1, 2)),
        ("1/1", date(2027, 1, 1), date(2027, 1, 1)),
        ("31/12", date(2027, 1, 1), date(2027, 12, 31)),
        ("31. dec", date(2027, 1, 1), date(2027, 12, 31)),
        # 29 February: the next year that has one
        ("29/2", date(2027, 3, 1), date(2028, 2, 29)),
        ("29/2", date(2028, 2, 29), date(2028, 2, 29)),
        ("29/2", date(2028, 3, 1), date(2032, 2, 29)),
        ("29.2.", date(2026, 1, 1), date(2028, 2, 29)),
    ],
)
def test_yearless_date_is_next_occurrence_on_or_after_today(text: str, today: date, expected: date) -> None:
    assert parse_date(text, today) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", DateProblem.UNREADABLE_DATE),
        ("   ", DateProblem.UNREADABLE_DATE),
        ("hello", DateProblem.UNREADABLE_DATE),
        ("i morgen", DateProblem.UNREADABLE_DATE),
        ("1", DateProblem.UNREADABLE_DATE),
        ("12", DateProblem.UNREADABLE_DATE),
        ("1/12/", DateProblem.UNREADABLE_DATE),
        ("1-12-", DateProblem.UNREADABLE_DATE),
        ("1/12-2026", DateProblem.UNREADABLE_DATE),  # mixed separators
        ("1/12/202", DateProblem.UNREADABLE_DATE),  # three-digit year
        ("1/12/20261", DateProblem.UNREADABLE_DATE),
        ("1/2/3/4", DateProblem.UNREADABLE_DATE),
        ("1. decembe", DateProblem.UNREADABLE_DATE),
        ("1. foo 2026", DateProblem.UNREADABLE_DATE),
        ("december", DateProblem.UNREADABLE_DATE),
        ("december 12026", DateProblem.UNREADABLE_DATE),
        ("2026-12", DateProblem.UNREADABLE_DATE),
        ("2026-12/01", DateProblem.UNREADABLE_DATE),
        ("17:30", DateProblem.UNREADABLE_DATE),
        ("32/1", DateProblem.NO_SUCH_DATE),
        ("31/2", DateProblem.NO_SUCH_DATE),
        ("30/2", DateProblem.NO_SUCH_DATE),
        ("31/4", DateProblem.NO_SUCH_DATE),
        ("31/11/2026", DateProblem.NO_SUCH_DATE),
        ("29/2/2027", DateProblem.NO_SUCH_DATE),
        ("29. februar 2027", DateProblem.NO_SUCH_DATE),
        ("0/1", DateProblem.NO_SUCH_DATE),
        ("1/0", DateProblem.NO_SUCH_DATE),
        ("1/13", DateProblem.NO_SUCH_DATE),
        ("13/13/2026", DateProblem.NO_SUCH_DATE),
        ("2026-02-30", DateProblem.NO_SUCH_DATE),
        ("2026-13-01", DateProblem.NO_SUCH_DATE),
        ("32. december", DateProblem.NO_SUCH_DATE),
        ("february 30", DateProblem.NO_SUCH_DATE),
    ],
)
def test_refused_dates(text: str, problem: DateProblem) -> None:
    with pytest.raises(DateInputError) as caught:
        parse_date(text, TODAY)
    assert caught.value.problem is problem
    assert caught.value.text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17:30", time(17, 30)),
        ("17.30", time(17, 30)),
        ("1730", time(17, 30)),
        ("0930", time(9, 30)),
        ("930", time(9, 30)),
        ("17", time(17)),
        ("9", time(9)),
        ("09:05", time(9, 5)),
        ("0:00", time(0)),
        ("00:00", time(0)),
        ("23:59", time(23, 59)),
        ("  17 : 30 ", time(17, 30)),
        ("5:30 pm", time(17, 30)),
        ("5.30pm", time(17, 30)),
        ("5 PM", time(17)),
        ("5pm", time(17)),
        ("5:30 p.m.", time(17, 30)),
        ("9 am", time(9)),
        ("9:15am", time(9, 15)),
        ("12 am", time(0)),
        ("12:30 am", time(0, 30)),
        ("12 pm", time(12)),
        ("12:45pm", time(12, 45)),
        ("kl. 17.30", time(17, 30)),
        ("kl 17", time(17)),
        ("kl.17", time(17)),
        ("Kl. 17:30", time(17, 30)),
        ("klokken 17", time(17)),
        ("kl. 5 pm", time(17)),
    ],
)
def test_accepted_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "kl.",
        "24:00",
        "25:00",
        "24",
        "2400",
        "17:61",
        "17:60",
        "17:5",
        "17:305",
        "17305",
        "1:2:3",
        "17,30",
        "0 pm",
        "13 pm",
        "13:00 am",
        "5:60 pm",
        "noon",
        "half seks",
        "-1",
        "17:30:00:00",
    ],
)
def test_refused_times(text: str) -> None:
    with pytest.raises(DateInputError) as caught:
        parse_time(text)
    assert caught.value.problem is DateProblem.UNREADABLE_TIME
    assert caught.value.text == text


def test_date_input_error_is_a_value_error_that_pickles() -> None:
    error = DateInputError(DateProblem.PAST, "1/1/2020")
    assert isinstance(error, ValueError)
    assert "past" in str(error) and "1/1/2020" in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.problem, copy.text) == (DateProblem.PAST, "1/1/2020")


# A "now" well before the DST days of 2026 and 2027, so none of them is past or too far.
EARLY_2026 = datetime(2026, 1, 1, 10, tzinfo=UTC)
DEFAULT = time(17, 30)


@pytest.mark.parametrize(
    ("date_text", "time_text", "expected"),
    [
        # winter time is +01:00, summer time +02:00
        ("15/1/2026", "17:30", datetime(2026, 1, 15, 16, 30, tzinfo=UTC)),
        ("15/7/2026", "17:30", datetime(2026, 7, 15, 15, 30, tzinfo=UTC)),
        ("15/7/2026", None, datetime(2026, 7, 15, 15, 30, tzinfo=UTC)),
        ("15/7/2026", "", datetime(2026, 7, 15, 15, 30, tzinfo=UTC)),
        ("15/7/2026", "   ", datetime(2026, 7, 15, 15, 30, tzinfo=UTC)),
        ("15/7/2026", "kl. 9", datetime(2026, 7, 15, 7, tzinfo=UTC)),
        # 2026: summer time from Sunday 29 March, winter time from Sunday 25 October
        ("28/3/2026", "17:30", datetime(2026, 3, 28, 16, 30, tzinfo=UTC)),
        ("29/3/2026", "17:30", datetime(2026, 3, 29, 15, 30, tzinfo=UTC)),
        ("29/3/2026", "01:59", datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),
        ("29/3/2026", "03:00", datetime(2026, 3, 29, 1, tzinfo=UTC)),
        ("24/10/2026", "17:30", datetime(2026, 10, 24, 15, 30, tzinfo=UTC)),
        ("25/10/2026", "17:30", datetime(2026, 10, 25, 16, 30, tzinfo=UTC)),
        ("25/10/2026", "01:59", datetime(2026, 10, 24, 23, 59, tzinfo=UTC)),
        ("25/10/2026", "02:00", datetime(2026, 10, 25, 0, tzinfo=UTC)),  # ambiguous: first occurrence (+02:00)
        ("25/10/2026", "02:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # ambiguous: first occurrence (+02:00)
        ("25/10/2026", "02:59", datetime(2026, 10, 25, 0, 59, tzinfo=UTC)),  # ambiguous: first occurrence (+02:00)
        ("25/10/2026", "03:00", datetime(2026, 10, 25, 2, tzinfo=UTC)),
        ("26/10/2026", "17:30", datetime(2026, 10, 26, 16, 30, tzinfo=UTC)),
        # 2027: summer time from Sunday 28 March, winter time from Sunday 31 October
        ("27/3/2027", "17:30", datetime(2027, 3, 27, 16, 30, tzinfo=UTC)),
        ("28/3/2027", "17:30", datetime(2027, 3, 28, 15, 30, tzinfo=UTC)),
        ("28. marts 2027", None, datetime(2027, 3, 28, 15, 30, tzinfo=UTC)),
        ("28/3/2027", "03:30", datetime(2027, 3, 28, 1, 30, tzinfo=UTC)),
        ("30/10/2027", "17:30", datetime(2027, 10, 30, 15, 30, tzinfo=UTC)),
        ("31/10/2027", "17:30", datetime(2027, 10, 31, 16, 30, tzinfo=UTC)),
        ("October 31, 2027", "5:30 pm", datetime(2027, 10, 31, 16, 30, tzinfo=UTC)),
        ("31/10/2027", "02:30", datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),  # ambiguous: first occurrence (+02:00)
    ],
)
def test_meeting_instant_maps_local_time_to_utc(date_text: str, time_text: str | None, expected: datetime) -> None:
    instant = meeting_instant(date_text, time_text, DEFAULT, CPH, EARLY_2026)
    assert instant == expected
    assert instant.tzinfo is UTC


@pytest.mark.parametrize(
    ("date_text", "time_text", "default_time"),
    [
        ("29/3/2026", "02:00", DEFAULT),
        ("29/3/2026", "02:30", DEFAULT),
        ("29/3/2026", "2:59", DEFAULT),
        ("29. marts 2026", "kl. 2.30", DEFAULT),
        ("29/3/2026", None, time(2, 30)),  # the default time can fall in the gap too
        ("28/3/2027", "02:30", DEFAULT),
        ("March 28, 2027", "2:15 am", DEFAULT),
    ],
)
def test_meeting_instant_refuses_time_skipped_by_dst(date_text: str, time_text: str | None, default_time: time) -> None:
    with pytest.raises(DateInputError) as caught:
        meeting_instant(date_text, time_text, default_time, CPH, EARLY_2026)
    assert caught.value.problem is DateProblem.NONEXISTENT_TIME


# Thursday 26 November 2026, 13:00 in Copenhagen.
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("date_text", "time_text", "expected"),
    [
        ("26/11", "17:30", datetime(2026, 11, 26, 16, 30, tzinfo=UTC)),  # later today
        ("26/11/2026", "13:01", datetime(2026, 11, 26, 12, 1, tzinfo=UTC)),
        ("27/11", None, datetime(2026, 11, 27, 16, 30, tzinfo=UTC)),
        ("1/1", "17:30", datetime(2027, 1, 1, 16, 30, tzinfo=UTC)),
        ("25/11", "17:30", datetime(2027, 11, 25, 16, 30, tzinfo=UTC)),  # yearless and past: next year
        ("25/11/2028", "13:00", datetime(2028, 11, 25, 12, tzinfo=UTC)),  # exactly 730 days ahead
        ("24/11/2028", "17:30", datetime(2028, 11, 24, 16, 30, tzinfo=UTC)),
    ],
)
def test_meeting_instant_within_window(date_text: str, time_text: str | None, expected: datetime) -> None:
    assert meeting_instant(date_text, time_text, DEFAULT, CPH, NOW) == expected


@pytest.mark.parametrize(
    ("date_text", "time_text", "problem", "typed"),
    [
        ("26/11", "12:00", DateProblem.PAST, "26/11 12:00"),  # yearless today, but the time has gone
        ("26/11", "kl. 9", DateProblem.PAST, "26/11 kl. 9"),
        ("26/11/2026", "13:00", DateProblem.PAST, "26/11/2026 13:00"),  # exactly now is not after now
        ("25/11/2026", None, DateProblem.PAST, "25/11/2026"),
        ("1/1/2020", "17:30", DateProblem.PAST, "1/1/2020 17:30"),
        ("2026-11-26", "08:00", DateProblem.PAST, "2026-11-26 08:00"),
        ("25/11/2028", "13:01", DateProblem.TOO_FAR, "25/11/2028 13:01"),
        ("26/11/2028", None, DateProblem.TOO_FAR, "26/11/2028"),
        ("1/1/2030", "17:30", DateProblem.TOO_FAR, "1/1/2030 17:30"),
        ("1/1/99", "17:30", DateProblem.TOO_FAR, "1/1/99 17:30"),
        ("  31/2 ", "17:30", DateProblem.NO_SUCH_DATE, "  31/2 "),
        ("hello", "17:30", DateProblem.UNREADABLE_DATE, "hello"),
        ("1/12", "25:00", DateProblem.UNREADABLE_TIME, "25:00"),
        ("1/12", "17:61", DateProblem.UNREADABLE_TIME, "17:61"),
    ],
)
def test_meeting_instant_refusals(date_text: str, time_text: str | None, problem: DateProblem, typed: str) -> None:
    with pytest.raises(DateInputError) as caught:
        meeting_instant(date_text, time_text, DEFAULT, CPH, NOW)
    assert caught.value.problem is problem
    assert caught.value.text == typed


def test_meeting_instant_reads_today_in_the_network_time_zone() -> None:
    # 23:30 UTC on 31 December is already 1 January in Copenhagen.
    now = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert meeting_instant("1/1", "17:30", DEFAULT, CPH, now) == datetime(2027, 1, 1, 16, 30, tzinfo=UTC)
    assert meeting_instant("31/12", "17:30", DEFAULT, CPH, now) == datetime(2027, 12, 31, 16, 30, tzinfo=UTC)


def test_meeting_instant_accepts_now_in_any_zone() -> None:
    now = NOW.astimezone(ZoneInfo("America/New_York"))
    assert meeting_instant("27/11", None, DEFAULT, CPH, now) == datetime(2026, 11, 27, 16, 30, tzinfo=UTC)


def test_meeting_instant_requires_aware_now() -> None:
    with pytest.raises(ValueError, match="aware"):
        meeting_instant("27/11", None, DEFAULT, CPH, datetime(2026, 11, 26, 12))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.dates())
def test_numeric_date_with_year_round_trips(day: date, today: date) -> None:
    assert parse_date(day.strftime("%d/%m/%Y"), today) == day
    assert parse_date(f"{day.day}.{day.month}.{day.year % 100:02d}", today) == day
    assert parse_date(day.isoformat(), today) == day


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.dates())
def test_named_month_with_year_round_trips(day: date, today: date) -> None:
    assert parse_date(f"{day.day}. {DANISH_MONTHS[day.month - 1]} {day.year}", today) == day
    assert parse_date(f"{ENGLISH_MONTHS[day.month - 1]} {day.day}, {day.year}", today) == day
    assert parse_date(f"{day.day} {ENGLISH_MONTHS[day.month - 1][:3]} {day.year}", today) == day


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(9000, 1, 1)), st.dates())
def test_yearless_date_is_the_next_occurrence(today: date, day: date) -> None:
    result = parse_date(f"{day.day}/{day.month}", today)
    assert (result.month, result.day) == (day.month, day.day)
    assert result >= today
    # Nothing with that day and month lies between today and the result.
    assert all(date(year, day.month, day.day) < today for year in range(today.year, result.year) if _exists(year, day))


def _exists(year: int, day: date) -> bool:
    try:
        date(year, day.month, day.day)
    except ValueError:
        return False
    return True


@given(st.times())
def test_times_round_trip(moment: time) -> None:
    whole = moment.replace(second=0, microsecond=0)
    assert parse_time(f"{whole.hour:02d}:{whole.minute:02d}") == whole
    assert parse_time(f"{whole.hour}.{whole.minute:02d}") == whole
    assert parse_time(f"{whole.hour:02d}{whole.minute:02d}") == whole
    assert parse_time(f"kl. {whole.hour}.{whole.minute:02d}") == whole
    assert parse_time(whole.strftime("%I:%M %p")) == whole


@given(
    st.dates(min_value=date(2026, 1, 2), max_value=date(2027, 12, 31)),
    st.times().map(lambda moment: moment.replace(second=0, microsecond=0)),
)
def test_meeting_instant_keeps_wall_clock_or_refuses_gap(day: date, wall: time) -> None:
    text = day.strftime("%d/%m/%Y")
    try:
        instant = meeting_instant(text, wall.strftime("%H:%M"), DEFAULT, CPH, EARLY_2026)
    except DateInputError as error:
        # Only the spring-forward hour can be refused in this window.
        assert error.problem is DateProblem.NONEXISTENT_TIME
        assert day in (date(2026, 3, 29), date(2027, 3, 28)) and wall.hour == 2
        return
    local = instant.astimezone(CPH)
    assert (local.date(), local.time()) == (day, wall)
    assert local.fold == 0  # the first occurrence of a repeated hour
    assert EARLY_2026 < instant <= EARLY_2026 + timedelta(days=730)
