""" "Still coming?": before a full meeting, those going confirm or free their seat for the waiting list."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.config import Language
from bot.errors import UserFacingError
from bot.meetings import Meeting, MeetingStatus
from bot.rounds import Outcome, Round, RoundKind
from bot.rsvp import RsvpState
from bot.services.dm import DmMessage
from bot.services.rounds import MeetingRound
from cogs.meetings._views import StillComingButton
from db import meetings, rounds, rsvps

if TYPE_CHECKING:
    from bot.client import MikroVirkBot
    from cogs.meetings._cog import Meetings

log = logging.getLogger(__name__)


class StillComing(MeetingRound):
    kind = RoundKind.STILL_COMING

    def __init__(self, bot: MikroVirkBot, cog: Meetings) -> None:
        super().__init__(bot)
        self.cog = cog

    def due(self, meeting: Meeting) -> datetime | None:
        return meeting.starts_at - self.bot.config.meetings.still_coming_before

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        if not row.audience_fixed:
            # Decided once, from the database as it is now: only a full meeting with people waiting asks.
            roster = await rsvps.roster(self.bot.db, meeting.id)
            if not roster.waiting:
                return Outcome.skipped("no waiting list")
            going = [attendee.user_id for attendee in roster.going]
            await rounds.fix_audience(self.bot.db, row.id, going, self.bot.clock())

        def compose(user_id: int, language: Language) -> DmMessage:
            view = discord.ui.View(timeout=None)
            view.add_item(StillComingButton(meeting.id, "yes", self.bot.catalogue.text(language, "still.yes")))
            view.add_item(StillComingButton(meeting.id, "no", self.bot.catalogue.text(language, "still.no")))
            text = self.bot.catalogue.text(language, "still.question", title=self.cog.label(meeting, language))
            return DmMessage(text, view=view)

        await self.bot.dm.deliver(row.id, compose)
        return Outcome.sent()

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
