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
from bot.render import clip
from cogs._interactions import clean_text
from cogs._rounds import MeetingRound
from cogs.program._views import BRIEF_MAX, BriefModal
from db import meetings, program, reminders
from db.reminders import Reminder, ReminderState

if TYPE_CHECKING:
    from bot.client import MikroVirkBot
    from cogs.meetings._cog import Meetings

log = logging.getLogger(__name__)

THREAD_NAME_MAX = 100  # Discord's limit for a thread name


class Briefs(MeetingRound):
    kind = "hotseat_brief"

    def __init__(self, bot: MikroVirkBot, meetings_cog: Meetings) -> None:
        super().__init__(bot)
        self.meetings_cog = meetings_cog

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
        if signup is None or signup.kind.value != "hot_seat" or signup.status.value != "confirmed":
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
        round_ = await self._round(meeting)
        posted_already = round_ is not None and round_.state in (ReminderState.SENT, ReminderState.SKIPPED)
        key = msgkey("brief.saved_posting") if posted_already else msgkey("brief.saved")
        await interaction.response.send_message(self.bot.catalogue.text(language, key), ephemeral=True)
        if round_ is not None and round_.state is ReminderState.SKIPPED:
            # The round found no brief earlier; the meeting is still ahead, so post it now.
            await reminders.schedule(
                self.bot.db, meeting.guild_id, meeting.id, self.kind, self.bot.clock(), self.bot.clock()
            )
            await self.run(round_.id)

    async def _round(self, meeting: Meeting) -> reminders.Reminder | None:
        return next((r for r in await reminders.for_meeting(self.bot.db, meeting.id) if r.kind == self.kind), None)

    # -- the timed post -----------------------------------------------------------------------------------------------

    def due(self, meeting: Meeting) -> datetime | None:
        if meeting.format is not MeetingFormat.GROWTH:
            return None
        return meeting.starts_at - self.bot.config.program.brief_before

    async def deliver(self, reminder: Reminder, meeting: Meeting) -> ReminderState:
        brief = await program.hot_seat_brief(self.bot.db, meeting.id)
        if brief is None or meeting.announcement_message_id is None:
            log.info("no hot-seat brief to post", extra={"meeting_id": meeting.id})
            return ReminderState.SKIPPED
        thread = await self._thread(meeting, brief.name, brief.topic)
        if thread is None:
            log.warning("brief not posted: the announcements channel is unavailable", extra={"meeting_id": meeting.id})
            return ReminderState.SKIPPED
        language = self.bot.config.network.language
        text = self.bot.catalogue.text(
            language, "brief.post", name=brief.name, topic=brief.topic or "—", brief=brief.brief
        )
        # Member text is shown as written but can never ping anyone.
        message = await thread.send(clip(text, 2000), allowed_mentions=discord.AllowedMentions.none())
        await reminders.set_channel_message(self.bot.db, reminder.id, message.id, self.bot.clock())
        log.info("brief posted", extra={"meeting_id": meeting.id, "thread_id": thread.id})
        return ReminderState.SENT

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
