"""Reminder rules: when each reminder is due, which words it uses, whether it is late. No Discord here."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import msgkey

# A reminder sent this much after its moment (the bot was down) says that it is late.
LATE_AFTER = timedelta(minutes=5)
# Organisers send at most one extra reminder per meeting in this time: members are not woken twice by a double click
# or two organisers asking at once.
EXTRA_REMINDER_APART = timedelta(hours=1)


def reminder_due(starts_at: datetime, tz: ZoneInfo, offset: timedelta) -> datetime:
    """When a reminder ``offset`` before a meeting is due, as a UTC instant.

    Whole days are counted on the wall clock: "1 day before" a 17:30 meeting is 17:30 the day before, also across
    a daylight-saving change (when that day is 23 or 25 hours long). Hours and minutes are exact durations.
    """
    if offset % timedelta(days=1):
        return starts_at - offset
    local = starts_at.astimezone(tz)
    wall = local.replace(tzinfo=None) - offset
    return wall.replace(tzinfo=tz).astimezone(starts_at.tzinfo)


def is_late(due: datetime, now: datetime) -> bool:
    return now - due > LATE_AFTER


def wording(offset: timedelta) -> tuple[str, dict[str, object]]:
    """The catalogue key and parameters for "in a week", "tomorrow", "in 3 days", "in 2 hours"."""
    if offset == timedelta(days=7):
        return msgkey("reminder.when_week"), {}
    if offset == timedelta(days=1):
        return msgkey("reminder.when_tomorrow"), {}
    if offset % timedelta(days=1) == timedelta(0):
        return msgkey("reminder.when_days"), {"count": offset // timedelta(days=1)}
    if offset % timedelta(hours=1) == timedelta(0):
        return msgkey("reminder.when_hours"), {"count": offset // timedelta(hours=1)}
    return msgkey("reminder.when_minutes"), {"count": offset // timedelta(minutes=1)}


def monthly_subject(month: date) -> str:
    """The monthly post's row subject, e.g. ``2026-12``: one post per month."""
    return f"{month:%Y-%m}"


def next_monthly(now: datetime, day: int, at: time, tz: ZoneInfo) -> tuple[date, datetime]:
    """The next monthly post on ``day`` at ``at`` local time after ``now``: (first of its month, UTC instant)."""
    local_now = now.astimezone(tz)
    year, month = local_now.year, local_now.month
    for _ in range(2):
        due = datetime(year, month, day, at.hour, at.minute, tzinfo=tz)
        if due > local_now:
            return date(year, month, 1), due.astimezone(now.tzinfo)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("unreachable: next month's date is always ahead")
