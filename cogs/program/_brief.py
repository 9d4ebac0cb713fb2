"""The hot-seat brief: the confirmed member describes the challenge; before the meeting it goes into a thread under
the announcement so attendees can think ahead, and the same thread collects advice afterwards."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import UserFacingError
from bot.i18n import msgkey
from bot.meetings import Meeting, MeetingFormat, MeetingStatus
from bot.program import SlotKind, SlotStatus
from bot.render import clip
from bot.rounds import Outcome, Round, RoundKind, RoundState
from bot.services.dm import delivery_nonce
from bot.services.rounds import MeetingRound
from cogs._interactions import clean_text
from cogs.program._views import BRIEF_MAX, BriefModal
from db import meetings, program, rounds

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

THREAD_NAME_MAX = 100  # Discord's limit for a thread name


class Briefs(MeetingRound):
    kind = RoundKind.HOTSEAT_BRIEF

    async def _coming(self, meeting_id: int) -> Meeting:
        meeting = await meetings.get_meeting(self.bot.db, self.guild_id, meeting_id)
        if meeting is None or meeting.status is MeetingStatus.CANCELLED:
            raise UserFacingError("meeting.errors.cancelled")
        if meeting.starts_at <= self.bot.clock():
            raise UserFacingError("meeting.errors.started")
        return meeting

    async def open_form(self, interaction: discord.Interaction[Any], meeting_id: int) -> None:
        language = self.bot.language_of(interaction)
        await self._coming(meeting_id)
        signup = await program.growth_signup(self.bot.db, meeting_id, interaction.user.id)
        if signup is None or signup.kind is not SlotKind.HOT_SEAT or signup.status is not SlotStatus.CONFIRMED:
            raise UserFacingError("brief.errors.not_hot_seat")
        current = await program.hot_seat_brief(self.bot.db, meeting_id)
        text = self.bot.catalogue.text
        await interaction.response.send_modal(
            BriefModal(
                meeting_id,
                text(language, "brief.modal_title"),
                text(language, "brief.label"),
                text(language, "brief.placeholder"),
                current.brief if current and current.user_id == interaction.user.id else None,
            )
        )

    async def save(self, interaction: discord.Interaction[Any], meeting_id: int, value: str) -> None:
        language = self.bot.language_of(interaction)
        meeting = await self._coming(meeting_id)
        brief = clean_text(value, BRIEF_MAX, self.bot.catalogue.text(language, "brief.label"))
        assert brief is not None
        if not await program.set_brief(self.bot.db, meeting_id, interaction.user.id, brief, self.bot.clock()):
            raise UserFacingError("brief.errors.not_hot_seat")
        log.info("brief saved", extra={"meeting_id": meeting_id, "user_id": interaction.user.id})
        history = [row for row in await rounds.for_meeting(self.bot.db, meeting.id) if row.kind is self.kind]
        moment_passed = any(row.state.finished for row in history)
        key = msgkey("brief.saved_posting") if moment_passed else msgkey("brief.saved")
        await interaction.response.send_message(self.bot.catalogue.text(language, key), ephemeral=True)
        if moment_passed and not any(row.state is RoundState.SENT for row in history) and not self._open(history):
            # The planned post found no brief and the meeting is still ahead: a new post of its own, now.
            late = await self.bot.rounds.add_now(meeting.guild_id, meeting.id, self.kind)
            await self.bot.rounds.run(late.id)

    @staticmethod
    def _open(history: list[Round]) -> bool:
        return any(not row.state.finished for row in history)

    # -- the timed post -----------------------------------------------------------------------------------------------

    def due(self, meeting: Meeting) -> datetime | None:
        if meeting.format is not MeetingFormat.GROWTH:
            return None
        return meeting.starts_at - self.bot.config.program.brief_before

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        others = [
            r for r in await rounds.for_meeting(self.bot.db, meeting.id) if r.kind is self.kind and r.id != row.id
        ]
        if any(other.state is RoundState.SENT for other in others):
            return Outcome.skipped("the brief is posted already")
        brief = await program.hot_seat_brief(self.bot.db, meeting.id)
        if brief is None:
            return Outcome.skipped("no brief written")
        if meeting.announcement_message_id is None:
            return Outcome.skipped("the meeting has no announcement")
        thread = await self._thread(meeting, brief.name, brief.topic)
        if thread is None:
            return Outcome.skipped("the announcements channel is unavailable")
        language = self.bot.config.network.language
        text = self.bot.catalogue.text(
            language, "brief.post", name=brief.name, topic=brief.topic or "—", brief=brief.brief
        )
        # Member text is shown as written but can never ping anyone.
        message = await thread.send(
            clip(text, 2000), allowed_mentions=discord.AllowedMentions.none(), nonce=delivery_nonce(row.id)
        )
        await rounds.set_channel_message(self.bot.db, row.id, message.id, self.bot.clock())
        log.info("brief posted", extra={"meeting_id": meeting.id, "thread_id": thread.id})
        return Outcome.sent()

    async def _thread(
        self, meeting: Meeting, name: str, topic: str | None
    ) -> discord.Thread | discord.PartialMessageable | None:
        """The thread under the announcement (Discord gives a message's thread the message's id)."""
        assert meeting.announcement_message_id is not None
        language = self.bot.config.network.language
        title = self.bot.catalogue.text(language, "brief.thread_name", name=name, topic=topic or "—")
        channel = self.bot.get_channel(
            meeting.announcement_channel_id or self.bot.config.discord.announcements_channel_id
        )
        if not isinstance(channel, discord.TextChannel):
            return None
        starter = channel.get_partial_message(meeting.announcement_message_id)
        try:
            thread: discord.Thread | discord.PartialMessageable = await starter.create_thread(
                name=clip(title, THREAD_NAME_MAX)
            )
        except discord.HTTPException as error:
            if error.status != 400:
                raise
            thread = self.bot.get_partial_messageable(meeting.announcement_message_id)  # it exists already
        return thread
