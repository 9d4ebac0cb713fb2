"""Meetings as the rest of the bot sees them: plain data, no Discord."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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
