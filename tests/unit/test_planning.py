from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.meetings import MeetingFormat
from bot.planning import PlannedMeeting, WeekdayRule, plan_season, weekday_rule_of

CPH = ZoneInfo("Europe/Copenhagen")
T, G = MeetingFormat.TOOLS, MeetingFormat.GROWTH
MO, TU, WE, TH, FR, SA, SU = range(7)
HALF_PAST_FIVE = time(17, 30)


@pytest.mark.parametrize(
    ("day", "prefer_last", "expected"),
    [
        # November 2026 starts on a Sunday: Mondays 2, 9, 16, 23, 30; Tuesdays 3, 10, 17, 24.
        (date(2026, 11, 2), False, WeekdayRule(MO, 1)),
        (date(2026, 11, 9), False, WeekdayRule(MO, 2)),
        (date(2026, 11, 16), False, WeekdayRule(MO, 3)),
        (date(2026, 11, 23), False, WeekdayRule(MO, 4)),
        (date(2026, 11, 23), True, WeekdayRule(MO, 4)),  # 4th but not last: prefer_last changes nothing
        (date(2026, 11, 30), False, WeekdayRule(MO, -1)),  # a 5th occurrence is always "last"
        (date(2026, 11, 30), True, WeekdayRule(MO, -1)),
        (date(2026, 11, 24), False, WeekdayRule(TU, 4)),  # both 4th and last
        (date(2026, 11, 24), True, WeekdayRule(TU, -1)),
        (date(2026, 11, 1), False, WeekdayRule(SU, 1)),
        (date(2026, 11, 29), False, WeekdayRule(SU, -1)),
        (date(2026, 11, 7), True, WeekdayRule(SA, 1)),  # 1st, not last: prefer_last changes nothing
        # February 2027 starts on a Monday and has exactly four of each weekday.
        (date(2027, 2, 1), False, WeekdayRule(MO, 1)),
        (date(2027, 2, 22), False, WeekdayRule(MO, 4)),
        (date(2027, 2, 22), True, WeekdayRule(MO, -1)),
        (date(2027, 2, 28), False, WeekdayRule(SU, 4)),
        (date(2027, 2, 28), True, WeekdayRule(SU, -1)),
        # Leap February 2028 starts on a Tuesday: 29 February is its 5th Tuesday.
        (date(2028, 2, 29), False, WeekdayRule(TU, -1)),
        (date(2028, 2, 22), False, WeekdayRule(TU, 4)),
        (date(2028, 2, 22), True, WeekdayRule(TU, 4)),
        # December 2026 starts on a Tuesday: Mondays 7..28 (28 is 4th and last), Thursdays 3..31.
        (date(2026, 12, 28), False, WeekdayRule(MO, 4)),
        (date(2026, 12, 28), True, WeekdayRule(MO, -1)),
        (date(2026, 12, 24), True, WeekdayRule(TH, 4)),  # 4th, with a 5th on the 31st
        (date(2026, 12, 29), False, WeekdayRule(TU, -1)),
        (date(2026, 12, 31), False, WeekdayRule(TH, -1)),
    ],
)
def test_weekday_rule_of(day: date, prefer_last: bool, expected: WeekdayRule) -> None:
    assert weekday_rule_of(day, prefer_last) == expected


@pytest.mark.parametrize(("weekday", "ordinal"), [(-1, 1), (7, 1), (0, 0), (0, 5), (0, -2), (3, 6)])
def test_weekday_rule_refuses_impossible_rules(weekday: int, ordinal: int) -> None:
    with pytest.raises(ValueError):
        WeekdayRule(weekday, ordinal)


def local_dates(plan: list[PlannedMeeting]) -> list[date]:
    return [meeting.local_date for meeting in plan]


@pytest.mark.parametrize(
    ("first", "months", "prefer_last", "expected"),
    [
        # last Monday
        (
            date(2026, 11, 30),
            6,
            False,
            [
                date(2026, 11, 30),
                date(2026, 12, 28),
                date(2027, 1, 25),
                date(2027, 2, 22),
                date(2027, 3, 29),
                date(2027, 4, 26),
            ],
        ),
        # 4th Tuesday (24 November is also the last Tuesday; without prefer_last it stays the 4th)
        (
            date(2026, 11, 24),
            5,
            False,
            [date(2026, 11, 24), date(2026, 12, 22), date(2027, 1, 26), date(2027, 2, 23), date(2027, 3, 23)],
        ),
        # last Tuesday, from the same first day
        (
            date(2026, 11, 24),
            5,
            True,
            [date(2026, 11, 24), date(2026, 12, 29), date(2027, 1, 26), date(2027, 2, 23), date(2027, 3, 30)],
        ),
        # 1st Thursday across a new year
        (
            date(2026, 12, 3),
            3,
            False,
            [date(2026, 12, 3), date(2027, 1, 7), date(2027, 2, 4)],
        ),
        # 2nd Wednesday
        (
            date(2026, 9, 9),
            4,
            False,
            [date(2026, 9, 9), date(2026, 10, 14), date(2026, 11, 11), date(2026, 12, 9)],
        ),
        # last Sunday, which is when clocks change in March and October
        (
            date(2026, 3, 29),
            8,
            False,
            [
                date(2026, 3, 29),
                date(2026, 4, 26),
                date(2026, 5, 31),
                date(2026, 6, 28),
                date(2026, 7, 26),
                date(2026, 8, 30),
                date(2026, 9, 27),
                date(2026, 10, 25),
            ],
        ),
        # a single meeting
        (date(2026, 11, 30), 1, False, [date(2026, 11, 30)]),
    ],
)
def test_plan_season_dates(first: date, months: int, prefer_last: bool, expected: list[date]) -> None:
    plan = plan_season(first, months, T, HALF_PAST_FIVE, CPH, prefer_last=prefer_last)
    assert local_dates(plan) == expected


@pytest.mark.parametrize(
    ("first_format", "months", "expected"),
    [
        (T, 1, [T]),
        (G, 1, [G]),
        (T, 2, [T, G]),
        (G, 2, [G, T]),
        (T, 5, [T, G, T, G, T]),
        (G, 5, [G, T, G, T, G]),
        (T, 24, [T, G] * 12),
        (G, 24, [G, T] * 12),
    ],
)
def test_plan_season_alternates_formats(
    first_format: MeetingFormat, months: int, expected: list[MeetingFormat]
) -> None:
    plan = plan_season(date(2026, 11, 30), months, first_format, HALF_PAST_FIVE, CPH)
    assert [meeting.format for meeting in plan] == expected


@pytest.mark.parametrize(
    ("local_date", "utc_offset"),
    [
        # 4th Mondays from September 2026 (28 September is also the last; without prefer_last it stays the 4th)
        (date(2026, 9, 28), timedelta(hours=2)),
        (date(2026, 10, 26), timedelta(hours=1)),  # the day after clocks fall back
        (date(2026, 11, 23), timedelta(hours=1)),
        (date(2026, 12, 28), timedelta(hours=1)),
        (date(2027, 1, 25), timedelta(hours=1)),
        (date(2027, 2, 22), timedelta(hours=1)),
        (date(2027, 3, 22), timedelta(hours=1)),  # still winter time: clocks jump on 28 March
        (date(2027, 4, 26), timedelta(hours=2)),
        (date(2027, 5, 24), timedelta(hours=2)),
    ],
)
def test_plan_season_keeps_wall_clock_across_dst(local_date: date, utc_offset: timedelta) -> None:
    plan = {meeting.local_date: meeting for meeting in plan_season(date(2026, 9, 28), 9, T, HALF_PAST_FIVE, CPH)}
    meeting = plan[local_date]
    assert meeting.starts_at.tzinfo is UTC
    assert meeting.starts_at == datetime.combine(local_date, HALF_PAST_FIVE).replace(tzinfo=UTC) - utc_offset
    local = meeting.starts_at.astimezone(CPH)
    assert (local.date(), local.time(), local.utcoffset()) == (local_date, HALF_PAST_FIVE, utc_offset)


@pytest.mark.parametrize(
    ("first", "start", "expected_first_two"),
    [
        # 17:30 on the DST Sundays of 2026 and 2027 themselves
        (
            date(2026, 3, 29),
            time(17, 30),
            [datetime(2026, 3, 29, 15, 30, tzinfo=UTC), datetime(2026, 4, 26, 15, 30, tzinfo=UTC)],
        ),
        (
            date(2026, 9, 27),
            time(17, 30),
            [datetime(2026, 9, 27, 15, 30, tzinfo=UTC), datetime(2026, 10, 25, 16, 30, tzinfo=UTC)],
        ),
        (
            date(2027, 2, 28),
            time(17, 30),
            [datetime(2027, 2, 28, 16, 30, tzinfo=UTC), datetime(2027, 3, 28, 15, 30, tzinfo=UTC)],
        ),
        (
            date(2027, 9, 26),
            time(17, 30),
            [datetime(2027, 9, 26, 15, 30, tzinfo=UTC), datetime(2027, 10, 31, 16, 30, tzinfo=UTC)],
        ),
        # 02:30 is repeated on the October Sunday: its first occurrence, still summer time
        (
            date(2026, 9, 27),
            time(2, 30),
            [datetime(2026, 9, 27, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)],
        ),
        # 02:30 is skipped on the March Sunday: read with the winter offset, so 03:30 summer time (RFC 5545)
        (
            date(2026, 2, 22),
            time(2, 30),
            [datetime(2026, 2, 22, 1, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)],
        ),
    ],
)
def test_plan_season_on_dst_days(first: date, start: time, expected_first_two: list[datetime]) -> None:
    plan = plan_season(first, 2, T, start, CPH, prefer_last=True)
    assert [meeting.starts_at for meeting in plan] == expected_first_two


def test_plan_season_uses_the_given_time_zone() -> None:
    plan = plan_season(date(2026, 11, 30), 2, T, HALF_PAST_FIVE, ZoneInfo("America/New_York"))
    assert [meeting.starts_at for meeting in plan] == [
        datetime(2026, 11, 30, 22, 30, tzinfo=UTC),
        datetime(2026, 12, 28, 22, 30, tzinfo=UTC),
    ]


@pytest.mark.parametrize("months", [1, 2, 12, 23, 24])
def test_plan_season_plans_one_meeting_a_month(months: int) -> None:
    plan = plan_season(date(2026, 11, 30), months, T, HALF_PAST_FIVE, CPH)
    assert len(plan) == months
    months_seen = [(meeting.local_date.year, meeting.local_date.month) for meeting in plan]
    expected = [((2026 * 12 + 10 + index) // 12, (10 + index) % 12 + 1) for index in range(months)]
    assert months_seen == expected


@pytest.mark.parametrize("months", [-1, 0, 25, 100])
def test_plan_season_refuses_month_counts_out_of_bounds(months: int) -> None:
    with pytest.raises(ValueError, match="months"):
        plan_season(date(2026, 11, 30), months, T, HALF_PAST_FIVE, CPH)


@given(
    first=st.dates(min_value=date(2000, 1, 1), max_value=date(2097, 12, 31)),
    months=st.integers(min_value=1, max_value=24),
    first_format=st.sampled_from(MeetingFormat),
    prefer_last=st.booleans(),
    start=st.times(min_value=time(8), max_value=time(22, 59)),
)
def test_plan_season_properties(
    first: date, months: int, first_format: MeetingFormat, prefer_last: bool, start: time
) -> None:
    plan = plan_season(first, months, first_format, start, CPH, prefer_last=prefer_last)
    rule = weekday_rule_of(first, prefer_last)
    assert len(plan) == months
    assert plan[0].local_date == first
    assert plan[0].format is first_format
    for index, meeting in enumerate(plan):
        day = meeting.local_date
        assert day.weekday() == first.weekday()
        # consecutive months from the first
        assert day.year * 12 + day.month == first.year * 12 + first.month + index
        # the same weekday-of-month rule every month
        if rule.ordinal == -1:
            assert day.day + 7 > calendar.monthrange(day.year, day.month)[1]
        else:
            assert (day.day - 1) // 7 + 1 == rule.ordinal
        # formats alternate
        assert (meeting.format is first_format) == (index % 2 == 0)
        # the same wall-clock time in Copenhagen (no DST change happens between 08:00 and 23:00)
        local = meeting.starts_at.astimezone(CPH)
        assert meeting.starts_at.tzinfo is UTC
        assert (local.date(), local.time()) == (day, start.replace(tzinfo=None))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.booleans())
def test_weekday_rule_of_names_the_day(day: date, prefer_last: bool) -> None:
    rule = weekday_rule_of(day, prefer_last)
    assert rule.weekday == day.weekday()
    month_days = [week[rule.weekday] for week in calendar.monthcalendar(day.year, day.month) if week[rule.weekday] != 0]
    assert month_days[rule.ordinal - 1 if rule.ordinal > 0 else -1] == day.day
