"""Planning a season of monthly meetings on a weekday-of-month rule ("last Monday", "4th Tuesday"); no I/O."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, rrule, weekday

from bot.meetings import MeetingFormat

MAX_SEASON_MONTHS = 24
LAST = -1  # the ordinal meaning "the last such weekday of the month"


@dataclass(frozen=True, slots=True)
class WeekdayRule:
    """A weekday of the month: `weekday` 0=Monday..6=Sunday, `ordinal` 1..4 for the nth, -1 for the last."""

    weekday: int
    ordinal: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, not {self.weekday}")
        # A 5th occurrence exists only in some months, so a rule may only say 1st..4th or last.
        if self.ordinal not in (1, 2, 3, 4, LAST):
            raise ValueError(f"ordinal must be 1..4 or -1, not {self.ordinal}")


def weekday_rule_of(day: date, prefer_last: bool = False) -> WeekdayRule:
    """The weekday-of-month rule `day` satisfies: its nth occurrence (1..4), or -1 for a 5th occurrence.

    A day that is both the 4th and the last occurrence (a month with four of that weekday) gives 4 unless
    `prefer_last`, because "4th" and "last" then name the same day this month but differ in others.
    """
    nth = (day.day - 1) // 7 + 1
    is_last = day.day + 7 > calendar.monthrange(day.year, day.month)[1]
    if nth == 5 or (is_last and prefer_last):
        return WeekdayRule(day.weekday(), LAST)
    return WeekdayRule(day.weekday(), nth)


@dataclass(frozen=True, slots=True)
class PlannedMeeting:
    """One meeting of a planned season: its instant (aware UTC), its local calendar date and its format."""

    starts_at: datetime
    local_date: date
    format: MeetingFormat


def _formats_from(first_format: MeetingFormat) -> list[MeetingFormat]:
    """All formats in their cycle order, starting with `first_format` (with two formats: alternation)."""
    formats = list(MeetingFormat)
    start = formats.index(first_format)
    return formats[start:] + formats[:start]


def plan_season(
    first: date,
    months: int,
    first_format: MeetingFormat,
    start_time: time,
    tz: ZoneInfo,
    prefer_last: bool = False,
) -> list[PlannedMeeting]:
    """`months` meetings (1..24), one a month from `first`'s month, on `first`'s weekday-of-month rule.

    Formats alternate starting with `first_format`. Every meeting starts at `start_time` local wall-clock time in
    `tz`, so 17:30 stays 17:30 across DST changes. A wall time the DST gap skips is read with the offset from before
    the gap (as RFC 5545 does: 02:30 becomes 03:30 summer time); a repeated one means its first occurrence (fold=0).
    """
    if not 1 <= months <= MAX_SEASON_MONTHS:
        raise ValueError(f"months must be 1..{MAX_SEASON_MONTHS}, not {months}")
    rule = weekday_rule_of(first, prefer_last)
    # Recur over naive calendar days from the 1st of the first month; time zones only enter afterwards, so the
    # recurrence never sees a DST shift and every occurrence keeps the same wall-clock time.
    occurrences: list[datetime] = list(
        rrule(
            MONTHLY,
            byweekday=weekday(rule.weekday, rule.ordinal),
            dtstart=datetime(first.year, first.month, 1),
            count=months,
        )
    )
    days = [occurrence.date() for occurrence in occurrences]
    if days[0] != first:  # cannot happen: `rule` was derived from `first`, so its month's occurrence is `first`
        raise AssertionError(f"season starts on {days[0]}, not {first}")
    formats = _formats_from(first_format)
    wall_clock = start_time.replace(tzinfo=None)
    return [
        PlannedMeeting(
            starts_at=datetime.combine(day, wall_clock, tzinfo=tz).astimezone(UTC),
            local_date=day,
            format=formats[index % len(formats)],
        )
        for index, day in enumerate(days)
    ]
