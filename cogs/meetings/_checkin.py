"""Check-in: the announcement gets a Check in button an hour before a meeting and loses it when the meeting ends.

Two timed rounds refresh the announcement at those moments; attendance is the basis of the feedback poll's
audience, of no-show counts and of the season chart.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.meetings import CHECKIN_OPENS_BEFORE, Meeting
from bot.rounds import Outcome, Round, RoundKind
from bot.services.rounds import MeetingRound

if TYPE_CHECKING:
    from bot.client import MikroVirkBot
    from cogs.meetings._announce import Announcer


class CheckInOpens(MeetingRound):
    kind = RoundKind.CHECKIN_OPEN

    def __init__(self, bot: MikroVirkBot, announcer: Announcer) -> None:
        super().__init__(bot)
        self.announcer = announcer

    def due(self, meeting: Meeting) -> datetime | None:
        return meeting.starts_at - CHECKIN_OPENS_BEFORE

    def relevant(self, meeting: Meeting, now: datetime) -> bool:
        return now < meeting.ends_at

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        # The post renders the button from the clock; a failed edit is retried by the runner.
        await self.announcer.refresh_now(meeting.id)
        return Outcome.sent()


class CheckInCloses(CheckInOpens):
    kind = RoundKind.CHECKIN_CLOSE

    def due(self, meeting: Meeting) -> datetime | None:
        return meeting.ends_at

    def relevant(self, meeting: Meeting, now: datetime) -> bool:
        return True
