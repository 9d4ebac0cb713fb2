"""Check-in: the announcement gets a Check in button an hour before a meeting and loses it when the meeting ends.

Two timed rounds refresh the announcement at those moments; attendance is the basis of the feedback poll's
audience, of no-show counts and of the season chart.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.meetings import CHECKIN_OPENS_BEFORE, Meeting
from cogs._rounds import MeetingRound
from db.reminders import Reminder, ReminderState

if TYPE_CHECKING:
    from bot.client import MikroVirkBot
    from cogs.meetings._cog import Meetings


class CheckInOpens(MeetingRound):
    kind = "checkin_open"

    def __init__(self, bot: MikroVirkBot, cog: Meetings) -> None:
        super().__init__(bot)
        self.cog = cog

    def due(self, meeting: Meeting) -> datetime | None:
        return meeting.starts_at - CHECKIN_OPENS_BEFORE

    def relevant(self, meeting: Meeting, now: datetime) -> bool:
        return now < meeting.ends_at

    async def deliver(self, reminder: Reminder, meeting: Meeting) -> ReminderState:
        self.cog.announcer.request_refresh(meeting.id)
        return ReminderState.SENT


class CheckInCloses(CheckInOpens):
    kind = "checkin_close"

    def due(self, meeting: Meeting) -> datetime | None:
        return meeting.ends_at

    def relevant(self, meeting: Meeting, now: datetime) -> bool:
        return True
