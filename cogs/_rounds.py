"""Timed rounds tied to a meeting ("still coming?", newcomer invitations, the hot-seat brief).

Each round is a row in ``reminders`` (one per meeting and kind) with its due instant and state; the scheduler only
wakes :meth:`MeetingRound.run`, which claims the row before delivering, so a round goes out once — also across
restarts, which re-arm every unfinished row from the database.
"""

from __future__ import annotations

import abc
import logging
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from bot.meetings import Meeting, MeetingStatus
from db import meetings, reminders
from db.reminders import Reminder, ReminderState

if TYPE_CHECKING:
    from bot.client import MikroVirkBot

log = logging.getLogger(__name__)


def job_id(reminder_id: int) -> str:
    """The scheduler's id for a reminder row's timer (shared by every kind, so one row never has two timers)."""
    return f"reminder:{reminder_id}"


class MeetingRound(abc.ABC):
    """One kind of timed round per meeting; subclasses say when it is due and what it delivers."""

    kind: ClassVar[str]

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot

    @property
    def guild_id(self) -> int:
        return self.bot.config.discord.guild_id

    @abc.abstractmethod
    def due(self, meeting: Meeting) -> datetime | None:
        """When the round is due for ``meeting``, or None if this meeting has no such round."""

    def relevant(self, meeting: Meeting, now: datetime) -> bool:
        """Whether the round still makes sense when it runs late; most rounds are for before the meeting."""
        return meeting.starts_at > now

    @abc.abstractmethod
    async def deliver(self, reminder: Reminder, meeting: Meeting) -> ReminderState:
        """Send the round (it is claimed and the meeting is still ahead); returns the row's final state."""

    async def plan(self, meeting: Meeting, *, changed: bool) -> None:
        """Create or move the meeting's round. When a meeting is created or moved inside the window, nobody is
        asked at short notice; at start (``changed`` false) an overdue row is sent at once."""
        now = self.bot.clock()
        due = self.due(meeting) if meeting.status is MeetingStatus.PLANNED else None
        if due is None or (due <= now and (changed or not self.relevant(meeting, now))):
            return
        self._arm(await reminders.schedule(self.bot.db, meeting.guild_id, meeting.id, self.kind, max(due, now), now))

    def _arm(self, reminder: Reminder) -> None:
        async def fire() -> None:
            await self.run(reminder.id)

        self.bot.timers.at(job_id(reminder.id), reminder.due_at, fire)

    async def rearm(self) -> None:
        """At start: plan every coming meeting and set a timer for each unfinished row of this kind."""
        for meeting in await meetings.coming_meetings(self.bot.db, self.guild_id, self.bot.clock(), limit=100):
            await self.plan(meeting, changed=False)
        for reminder in await reminders.unfinished(self.bot.db, self.guild_id):
            if reminder.kind == self.kind:
                self._arm(reminder)

    async def run_due(self) -> None:
        """Run every round of this kind that is due by the bot's clock (tests move the clock, then call this)."""
        now = self.bot.clock()
        for reminder in await reminders.unfinished(self.bot.db, self.guild_id):
            if reminder.kind == self.kind and reminder.due_at <= now:
                await self.run(reminder.id)

    async def run(self, reminder_id: int) -> None:
        now = self.bot.clock()
        current = await reminders.get(self.bot.db, reminder_id)
        if current is None or current.meeting_id is None:
            return
        if current.due_at > now:
            if current.state is ReminderState.PENDING:
                self._arm(current)  # the meeting moved later after the timer was set
            return
        reminder = await reminders.claim(self.bot.db, reminder_id, now)
        if reminder is None or reminder.meeting_id is None:
            return
        meeting = await meetings.get_meeting(self.bot.db, reminder.guild_id, reminder.meeting_id)
        if meeting is None or meeting.status is MeetingStatus.CANCELLED or not self.relevant(meeting, now):
            await reminders.finish(self.bot.db, reminder.id, ReminderState.SKIPPED, now, "meeting cancelled or past")
            return
        state = await self.deliver(reminder, meeting)
        await reminders.finish(self.bot.db, reminder.id, state, self.bot.clock())
        log.info("round finished", extra={"kind": self.kind, "meeting_id": meeting.id, "state": state})
