"""Reading dates and times the way organisers type them: day-first, Danish or English month names, no I/O."""

from __future__ import annotations

import calendar
import enum
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How far ahead a meeting may be planned; anything later is almost certainly a typo in the year.
MAX_AHEAD = timedelta(days=730)


class DateProblem(enum.StrEnum):
    """Why an input was refused; the caller maps each to a translated message."""

    UNREADABLE_DATE = "unreadable_date"
    UNREADABLE_TIME = "unreadable_time"
    NO_SUCH_DATE = "no_such_date"  # well-formed but not in the calendar, e.g. 31/2 or 1/13
    PAST = "past"
    TOO_FAR = "too_far"  # more than two years ahead
    NONEXISTENT_TIME = "nonexistent_time"  # skipped by a DST gap (clocks jump forward)


class DateInputError(ValueError):
    """An organiser's date or time input that cannot be used, with the reason and the text as typed."""

    problem: DateProblem
    text: str

    def __init__(self, problem: DateProblem, text: str) -> None:
        super().__init__(f"{problem.value}: {text!r}")
        self.problem = problem
        self.text = text

    def __reduce__(self) -> tuple[type[DateInputError], tuple[DateProblem, str]]:
        # ValueError pickles its args, which here is the message, not our two fields.
        return (type(self), (self.problem, self.text))


# Danish and English month names and their usual abbreviations, all lower case.
MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("januar", "january", "jan"),
            ("februar", "february", "feb"),
            ("marts", "march", "mar"),
            ("april", "apr"),
            ("maj", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}

_YEAR = r"(?P<year>\d{4}|\d{2})"
_DAY = r"(?P<day>\d{1,2})"
# 2026-12-01 (year first, so unambiguous); the same separator twice.
_ISO = re.compile(r"(?P<year>\d{4})\s*(?P<sep>[-/.])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*" + _DAY)
# 1/12, 1/12/2026, 1.12.26, 1.12., 1-12-2026: always day first, as in Denmark.
_NUMERIC = re.compile(_DAY + r"\s*(?P<sep>[-/.])\s*(?P<month>\d{1,2})(?:\s*(?P=sep)\s*" + _YEAR + r"?)?")
# 1. december, 1 dec, 1. december 2026, 1st dec.
_DAY_NAME = re.compile(
    _DAY + r"(?:st|nd|rd|th)?\.?\s*(?P<name>[a-zæøå]+)\.?(?:(?:\s*,\s*|\s+)" + _YEAR + r")?",
)
# december 1, December 1, 2026, Dec 1 2026.
_NAME_DAY = re.compile(r"(?P<name>[a-zæøå]+)\.?\s*" + _DAY + r"(?:st|nd|rd|th)?\.?(?:(?:\s*,\s*|\s+)" + _YEAR + r")?")

# 17, 17:30, 17.30 (Danish), optionally after "kl." ("klokken").
_CLOCK = re.compile(r"(?P<hour>\d{1,2})(?:\s*[:.]\s*(?P<minute>\d{2}))?")
# 1730 or 930: hour and minutes run together.
_COMPACT = re.compile(r"(?P<hour>\d{1,2})(?P<minute>\d{2})")
# 5 pm, 5:30 pm, 5.30pm, 5:30 p.m.
_TWELVE_HOUR = re.compile(r"(?P<hour>\d{1,2})(?:\s*[:.]\s*(?P<minute>\d{2}))?\s*(?P<half>[ap])\.?\s*m\.?")
_KLOKKEN = re.compile(r"^(?:klokken|kl)\.?\s*")


def _normalise(text: str) -> str:
    """Lower case, trimmed, with runs of white space collapsed to one space."""
    return " ".join(text.split()).lower()


def _full_year(digits: str) -> int:
    # A two-digit year is always this century: nobody plans a meeting for 1926.
    year = int(digits)
    return 2000 + year if len(digits) == 2 else year


def _resolve(day: int, month: int, year: int | None, today: date, text: str) -> date:
    """The date for day/month/year, or the next occurrence on or after `today` when the year is missing."""
    # Reject what no year can hold (31/2, 32/1, 1/13) before looking for a year; 29/2 is fine in leap years.
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2000, month)[1]:
        raise DateInputError(DateProblem.NO_SUCH_DATE, text)
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:  # 29/2 in a common year, or a year outside what datetime supports
            raise DateInputError(DateProblem.NO_SUCH_DATE, text) from None
    # Yearless: this year if the date is still to come (today included), else the next year that has it.
    # The longest gap between leap years is eight (2096 -> 2104), so nine candidate years always hold a 29/2.
    for candidate_year in range(today.year, today.year + 9):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise DateInputError(DateProblem.NO_SUCH_DATE, text)  # pragma: no cover - reachable only near year 9999


def parse_date(text: str, today: date) -> date:
    """Read a date as typed (day first for numeric forms); a missing year means the next occurrence on or after today.

    Raises DateInputError with UNREADABLE_DATE for text that is not a date and NO_SUCH_DATE for one not in the calendar.
    """
    normal = _normalise(text)
    if match := _ISO.fullmatch(normal):
        return _resolve(int(match["day"]), int(match["month"]), int(match["year"]), today, text)
    if match := _NUMERIC.fullmatch(normal):
        # A trailing separator ("1.12.") is fine with dots, where Danish writes it, but "1/12/" is a typo.
        if match["year"] is None and normal.endswith(("/", "-")):
            raise DateInputError(DateProblem.UNREADABLE_DATE, text)
        year = _full_year(match["year"]) if match["year"] else None
        return _resolve(int(match["day"]), int(match["month"]), year, today, text)
    for pattern in (_DAY_NAME, _NAME_DAY):
        if (match := pattern.fullmatch(normal)) and match["name"] in MONTHS:
            year = _full_year(match["year"]) if match["year"] else None
            return _resolve(int(match["day"]), MONTHS[match["name"]], year, today, text)
    raise DateInputError(DateProblem.UNREADABLE_DATE, text)


def _clock(hour: int, minute: int, text: str) -> time:
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise DateInputError(DateProblem.UNREADABLE_TIME, text)
    return time(hour, minute)


def parse_time(text: str) -> time:
    """Read a time of day: 17:30, 17.30, 1730, 17, kl. 17.30, 5:30 pm. Raises DateInputError(UNREADABLE_TIME)."""
    normal = _KLOKKEN.sub("", _normalise(text))
    if match := _TWELVE_HOUR.fullmatch(normal):
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if not 1 <= hour <= 12:  # "0 pm" and "17 pm" are not times
            raise DateInputError(DateProblem.UNREADABLE_TIME, text)
        # 12 am is midnight, 12 pm is noon.
        return _clock(hour % 12 + (12 if match["half"] == "p" else 0), minute, text)
    if match := _CLOCK.fullmatch(normal):
        return _clock(int(match["hour"]), int(match["minute"] or 0), text)
    if match := _COMPACT.fullmatch(normal):
        return _clock(int(match["hour"]), int(match["minute"]), text)
    raise DateInputError(DateProblem.UNREADABLE_TIME, text)


def meeting_instant(date_text: str, time_text: str | None, default_time: time, tz: ZoneInfo, now: datetime) -> datetime:
    """The aware UTC instant of a meeting typed as a date and an optional time (blank means `default_time`) in `tz`.

    The time is local wall-clock time in `tz`. A time that falls in a DST gap is refused (NONEXISTENT_TIME); an
    ambiguous one (the repeated hour when clocks fall back) means its first occurrence, i.e. summer time (fold=0).
    The instant must be after `now` (else PAST) and at most 730 days after it (else TOO_FAR). A yearless date
    resolves to its next occurrence on or after today in `tz`, and is PAST if that day's time has already gone;
    the organiser then types the year.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    typed_time = (time_text or "").strip()
    typed = f"{date_text.strip()} {typed_time}".strip()

    day = parse_date(date_text, now.astimezone(tz).date())
    clock = parse_time(typed_time) if typed_time else default_time
    local = datetime.combine(day, clock, tzinfo=tz)  # fold=0: the first of two occurrences when clocks fall back
    instant = local.astimezone(UTC)
    # In a DST gap zoneinfo still answers, with the offset from before the gap; only the round trip reveals that
    # the wall time never shows on a clock that day.
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise DateInputError(DateProblem.NONEXISTENT_TIME, typed)
    if instant <= now:
        raise DateInputError(DateProblem.PAST, typed)
    if instant - now > MAX_AHEAD:
        raise DateInputError(DateProblem.TOO_FAR, typed)
    return instant
