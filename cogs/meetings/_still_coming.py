""" "Still coming?": before a full meeting, those going confirm or free their seat for the waiting list."""

from __future__ import annotations

import logging
from datetime import datetime

import discord

from bot.client import MikroVirkBot
from bot.config import Language
from bot.errors import UserFacingError
from bot.meetings import Meeting, Window, closed_reason
from bot.render import meeting_label
from bot.rounds import Outcome, Round, RoundKind
from bot.rsvp import RsvpState
from bot.services.dm import DmMessage
from cogs._interactions import IdButton, answers_errors
from cogs._rounds import MeetingRound
from db import meetings, rounds, rsvps

log = logging.getLogger(__name__)


class StillComing(MeetingRound):
    kind = RoundKind.STILL_COMING

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
            title = meeting_label(meeting, language, self.bot.catalogue)
            return DmMessage(self.bot.catalogue.text(language, "still.question", title=title), view=view)

        await self.bot.dm.deliver(row.id, compose)
        return Outcome.sent()


class StillComingButton(IdButton, template=r"mv:still:(?P<meeting_id>\d+):(?P<answer>yes|no)"):
    """The answer in the DM: yes keeps the seat, no frees it for the waiting list at once."""

    def __init__(self, meeting_id: int, answer: str, label: str = "") -> None:
        yes = answer == "yes"
        super().__init__(
            f"mv:still:{meeting_id}:{answer}",
            label,
            emoji="👍" if yes else "🚫",
            style=discord.ButtonStyle.success if yes else discord.ButtonStyle.secondary,
        )
        self.meeting_id = meeting_id
        self.answer = answer

    @answers_errors
    async def callback(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        bot = interaction.client
        language = bot.language_of(interaction)
        meeting = await meetings.get_meeting(bot.db, bot.config.discord.guild_id, self.meeting_id)
        refusal = closed_reason(meeting, bot.clock(), Window.BEFORE_START)
        if refusal is not None:
            raise UserFacingError(refusal)
        assert meeting is not None  # closed_reason refuses a missing meeting
        title = meeting_label(meeting, language, bot.catalogue)
        if self.answer == "yes":
            await interaction.response.edit_message(
                content=bot.catalogue.text(language, "still.kept", title=title), view=None
            )
            return
        async with bot.locks(meeting.id):
            change = await rsvps.answer(bot.db, meeting.id, interaction.user.id, RsvpState.NOT_GOING, bot.clock())
        log.info("seat given up", extra={"meeting_id": meeting.id, "user_id": interaction.user.id})
        bot.dispatch("rsvp_changed", meeting, change)  # before the answer, which may fail
        await interaction.response.edit_message(
            content=bot.catalogue.text(language, "still.freed", title=title), view=None
        )
