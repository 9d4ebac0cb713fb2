"""Meetings as the rest of the bot sees them: plain data, no Discord."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import msgkey

# Members can check in from this long before a meeting until it ends.
CHECKIN_OPENS_BEFORE = timedelta(hours=1)


class MeetingFormat(enum.StrEnum):
    """The network's two alternating formats."""

    TOOLS = "1.0"
    GROWTH = "2.0"


class MeetingStatus(enum.StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Meeting:
    id: int
    guild_id: int
    starts_at: datetime  # aware, UTC
    timezone: ZoneInfo
    duration: timedelta
    format: MeetingFormat
    venue: str
    topic: str | None
    speaker: str | None
    description: str | None
    capacity: int | None
    status: MeetingStatus
    cancel_reason: str | None
    announcement_channel_id: int | None
    announcement_message_id: int | None
    scheduled_event_id: int | None
    created_by: int

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + self.duration

    @property
    def local_start(self) -> datetime:
        """The start in the network's time zone, as members read it."""
        return self.starts_at.astimezone(self.timezone)

    @property
    def announcement_url(self) -> str | None:
        """A link that opens the announcement in Discord."""
        if self.announcement_channel_id is None or self.announcement_message_id is None:
            return None
        return f"https://discord.com/channels/{self.guild_id}/{self.announcement_channel_id}/{self.announcement_message_id}"


def checkin_open(meeting: Meeting, now: datetime) -> bool:
    """Whether the Check in button belongs on the announcement at ``now``."""
    return meeting.status is MeetingStatus.PLANNED and meeting.starts_at - CHECKIN_OPENS_BEFORE <= now < meeting.ends_at


def members_must_hear(before: Meeting, after: Meeting) -> bool:
    """Whether an edit changes what those who answered planned around: the time or the place."""
    return before.starts_at != after.starts_at or before.venue != after.venue


def takes_answers(status: MeetingStatus, starts_at: datetime, now: datetime) -> bool:
    """The one rule for members' answers: a meeting takes them while it is planned and has not begun.

    Answers are every reaction, "Can't come", a guest added or removed, an intro's yes or no, a hot-seat sign-up or
    withdrawal, and every move up the waiting list that follows one. At the start the lists become what happened:
    a button pressed later changes nothing, so nobody is told "a seat freed up" for a meeting under way, and a slot
    held stays in the program's fairness history.
    """
    return status is MeetingStatus.PLANNED and now < starts_at


class Window(enum.Enum):
    """Until when a meeting takes part in something."""

    BEFORE_START = "before_start"  # answers (see takes_answers), guests, sign-ups, briefs: until it begins
    BEFORE_END = "before_end"  # organisers' changes, reminders by hand, topics: until it ends
    STARTED = "started"  # results and check-ins by organisers: once it has begun
    ANY = "any"  # attendee lists and the program: any meeting that exists


def closed_reason(meeting: Meeting | None, now: datetime, window: Window) -> str | None:
    """The one rule for "is this meeting still open for that?": None if it is, else the catalogue key saying why not
    (the texts take the meeting's ``title``)."""
    if meeting is None:
        return msgkey("meeting.errors.gone")
    if window is Window.ANY:
        return None
    if window is Window.BEFORE_END:
        cancelled_or_over = meeting.status is MeetingStatus.CANCELLED or meeting.ends_at <= now
        return msgkey("meeting.errors.not_coming") if cancelled_or_over else None
    if meeting.status is MeetingStatus.CANCELLED:
        return msgkey("meeting.errors.cancelled")
    if window is Window.BEFORE_START and not takes_answers(meeting.status, meeting.starts_at, now):
        return msgkey("meeting.errors.started")
    if window is Window.STARTED and meeting.starts_at > now:
        return msgkey("meeting.errors.not_started")
    return None
