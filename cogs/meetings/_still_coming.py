""" "Still coming?": before a full meeting, those going confirm or free their seat for the waiting list."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import UserFacingError
from bot.meetings import Meeting, MeetingStatus
from bot.rsvp import RsvpState
from cogs._dm import DmMessage, DmOutcome
from cogs.meetings._views import StillComingButton
from db import meetings, reminders, rsvps
from db.reminders import DeliveryState, ReminderState

if TYPE_CHECKING:
    from bot.client import MikroVirkBot
    from cogs.meetings._cog import Meetings

log = logging.getLogger(__name__)

KIND = "still_coming"
_DELIVERY = {
    DmOutcome.SENT: DeliveryState.SENT,
    DmOutcome.REFUSED: DeliveryState.REFUSED,
    DmOutcome.FAILED: DeliveryState.FAILED,
}


def job_id(reminder_id: int) -> str:
    return f"reminder:{reminder_id}"


class StillComing:
    def __init__(self, bot: MikroVirkBot, cog: Meetings) -> None:
        self.bot = bot
        self.cog = cog

    async def plan(self, meeting: Meeting) -> None:
        """Create, move or cancel the meeting's "still coming?" round with the meeting itself."""
        now = self.bot.clock()
        if meeting.status is MeetingStatus.CANCELLED:
            for reminder_id in await reminders.cancel_for_meeting(self.bot.db, meeting.id, now):
                self.bot.timers.cancel(job_id(reminder_id))
            return
        due = meeting.starts_at - self.bot.config.meetings.still_coming_before
        if due <= now:
            return  # created or moved inside the window: nobody is asked at short notice
        reminder = await reminders.schedule(self.bot.db, meeting.guild_id, meeting.id, KIND, due, now)
        self._arm(reminder)

    def _arm(self, reminder: reminders.Reminder) -> None:
        async def fire() -> None:
            await self.run(reminder.id)

        self.bot.timers.at(job_id(reminder.id), reminder.due_at, fire)

    async def rearm_all(self) -> None:
        """At start: a timer for every round still to go, and at once for those due or left half-sent."""
        for reminder in await reminders.unfinished(self.bot.db, self.bot.config.discord.guild_id):
            if reminder.kind == KIND:
                self._arm(reminder)

    async def run_due(self) -> None:
        """Send every round that is due by the bot's clock (the timers call :meth:`run` for one)."""
        now = self.bot.clock()
        for reminder in await reminders.unfinished(self.bot.db, self.bot.config.discord.guild_id):
            if reminder.kind == KIND and reminder.due_at <= now:
                await self.run(reminder.id)

    async def run(self, reminder_id: int) -> None:
        now = self.bot.clock()
        current = await reminders.get(self.bot.db, reminder_id)
        if current is None or current.due_at > now or current.meeting_id is None:
            if current is not None and current.state is ReminderState.PENDING:
                self._arm(current)  # the meeting moved later while the timer ran
            return
        reminder = await reminders.claim(self.bot.db, reminder_id, now)
        if reminder is None or reminder.meeting_id is None:
            return
        meeting = await meetings.get_meeting(self.bot.db, reminder.guild_id, reminder.meeting_id)
        if meeting is None or meeting.status is MeetingStatus.CANCELLED or meeting.starts_at <= now:
            await reminders.finish(self.bot.db, reminder.id, ReminderState.SKIPPED, now, "meeting cancelled or begun")
            return
        roster = await rsvps.roster(self.bot.db, meeting.id)
        if reminder.attempts == 1 and not roster.waiting:
            await reminders.finish(self.bot.db, reminder.id, ReminderState.SKIPPED, now, "no waiting list")
            log.info("still-coming skipped: no waiting list", extra={"meeting_id": meeting.id})
            return
        await reminders.add_recipients(self.bot.db, reminder.id, [attendee.user_id for attendee in roster.going], now)
        for user_id in await reminders.recipients(self.bot.db, reminder.id, DeliveryState.PENDING):
            language = await self.cog.dm.language_of(user_id)
            view = discord.ui.View(timeout=None)
            view.add_item(StillComingButton(meeting.id, "yes", self.bot.catalogue.text(language, "still.yes")))
            view.add_item(StillComingButton(meeting.id, "no", self.bot.catalogue.text(language, "still.no")))
            text = self.bot.catalogue.text(language, "still.question", title=self.cog.label(meeting, language))
            outcome, message = await self.cog.dm.send(user_id, DmMessage(text, view=view))
            await reminders.record_delivery(
                self.bot.db, reminder.id, user_id, _DELIVERY[outcome], message.id if message else None, self.bot.clock()
            )
        await reminders.finish(self.bot.db, reminder.id, ReminderState.SENT, self.bot.clock())
        log.info("still-coming sent", extra={"meeting_id": meeting.id, "reminder_id": reminder.id})

    async def answered(self, interaction: discord.Interaction[Any], meeting_id: int, coming: bool) -> None:
        language = self.bot.language_of(interaction)
        meeting = await meetings.get_meeting(self.bot.db, self.bot.config.discord.guild_id, meeting_id)
        if meeting is None or meeting.status is MeetingStatus.CANCELLED:
            raise UserFacingError("meeting.errors.cancelled")
        title = self.cog.label(meeting, language)
        if coming:
            await interaction.response.edit_message(
                content=self.bot.catalogue.text(language, "still.kept", title=title), view=None
            )
            return
        async with self.cog.lock(meeting.id):
            change = await rsvps.answer(
                self.bot.db, meeting.id, interaction.user.id, RsvpState.NOT_GOING, self.bot.clock()
            )
        log.info("seat given up", extra={"meeting_id": meeting.id, "user_id": interaction.user.id})
        await interaction.response.edit_message(
            content=self.bot.catalogue.text(language, "still.freed", title=title), view=None
        )
        await self.cog.after_change(meeting, change)
