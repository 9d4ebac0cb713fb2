from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.durations import format_offset
from bot.reminders import is_late, monthly_subject, next_monthly, reminder_due, wording

CPH = ZoneInfo("Europe/Copenhagen")


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CPH).astimezone(UTC)


@pytest.mark.parametrize(
    ("meeting", "offset", "due"),
    [
        # Ordinary winter and summer days.
        (local(2026, 12, 1, 17, 30), timedelta(days=1), local(2026, 11, 30, 17, 30)),
        (local(2026, 6, 2, 17, 30), timedelta(days=7), local(2026, 5, 26, 17, 30)),
        # The day after clocks go forward (29 March 2026): the day before is 23 hours long.
        (local(2026, 3, 30, 17, 30), timedelta(days=1), datetime(2026, 3, 29, 15, 30, tzinfo=UTC)),
        (local(2026, 3, 30, 17, 30), timedelta(days=7), datetime(2026, 3, 23, 16, 30, tzinfo=UTC)),
        # The day after clocks go back (25 October 2026): the day before is 25 hours long.
        (local(2026, 10, 26, 17, 30), timedelta(days=1), datetime(2026, 10, 25, 16, 30, tzinfo=UTC)),
        (local(2026, 10, 26, 17, 30), timedelta(days=7), datetime(2026, 10, 19, 15, 30, tzinfo=UTC)),
        # 2027's changes (28 March, 31 October).
        (local(2027, 3, 29, 17, 30), timedelta(days=1), datetime(2027, 3, 28, 15, 30, tzinfo=UTC)),
        (local(2027, 11, 1, 17, 30), timedelta(days=1), datetime(2027, 10, 31, 16, 30, tzinfo=UTC)),
        # Hours that are not whole days are exact durations, also across a change ("24h" is a whole day).
        (local(2026, 3, 29, 17, 30), timedelta(hours=36), datetime(2026, 3, 28, 3, 30, tzinfo=UTC)),
        (local(2026, 12, 1, 17, 30), timedelta(minutes=90), local(2026, 12, 1, 16, 0)),
    ],
)
def test_reminder_due_keeps_wall_clock_days(meeting: datetime, offset: timedelta, due: datetime) -> None:
    assert reminder_due(meeting, CPH, offset) == due


@pytest.mark.parametrize(
    ("offset", "key", "params"),
    [
        (timedelta(days=7), "reminder.when_week", {}),
        (timedelta(days=1), "reminder.when_tomorrow", {}),
        (timedelta(days=3), "reminder.when_days", {"count": 3}),
        (timedelta(hours=2), "reminder.when_hours", {"count": 2}),
        (timedelta(minutes=90), "reminder.when_minutes", {"count": 90}),
    ],
)
def test_wording_by_offset(offset: timedelta, key: str, params: dict[str, object]) -> None:
    assert wording(offset) == (key, params)


def test_row_subjects_are_stable_names() -> None:
    assert format_offset(timedelta(days=7)) == "7d"
    assert format_offset(timedelta(hours=36)) == "36h"
    assert monthly_subject(date(2026, 12, 1)) == "2026-12"


def test_late_after_five_minutes() -> None:
    due = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    assert not is_late(due, due + timedelta(minutes=5))
    assert is_late(due, due + timedelta(minutes=6))


@pytest.mark.parametrize(
    ("now", "month", "due"),
    [
        (datetime(2026, 11, 26, 9, 0, tzinfo=UTC), date(2026, 12, 1), local(2026, 12, 1, 9, 0)),
        (datetime(2026, 12, 1, 7, 59, tzinfo=UTC), date(2026, 12, 1), local(2026, 12, 1, 9, 0)),
        (datetime(2026, 12, 1, 8, 0, tzinfo=UTC), date(2027, 1, 1), local(2027, 1, 1, 9, 0)),
        (datetime(2027, 3, 20, 9, 0, tzinfo=UTC), date(2027, 4, 1), local(2027, 4, 1, 9, 0)),  # summer time
    ],
)
def test_next_monthly_post(now: datetime, month: date, due: datetime) -> None:
    assert next_monthly(now, 1, time(9, 0), CPH) == (month, due)
