"""The hot-seat brief: the confirmed member describes the challenge; before the meeting it goes into a thread under
the announcement so attendees can think ahead, and the same thread collects advice afterwards."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import UserFacingError
from bot.i18n import msgkey
from bot.meetings import Meeting, MeetingFormat, MeetingStatus
from bot.render import clip
from cogs._interactions import clean_text
from cogs.program._views import BRIEF_MAX, BriefModal
from db import meetings, program, reminders
from db.reminders import ReminderState

if TYPE_CHECKING:
    from bot.client import MikroVirkBot
    from cogs.meetings._cog import Meetings

log = logging.getLogger(__name__)

KIND = "hotseat_brief"
THREAD_NAME_MAX = 100  # Discord's limit for a thread name


def job_id(reminder_id: int) -> str:
    return f"reminder:{reminder_id}"


class Briefs:
    def __init__(self, bot: MikroVirkBot, meetings_cog: Meetings) -> None:
        self.bot = bot
        self.meetings_cog = meetings_cog

    @property
    def guild_id(self) -> int:
        return self.bot.config.discord.guild_id

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
                self.bot.db, meeting.guild_id, meeting.id, KIND, self.bot.clock(), self.bot.clock()
            )
            await self.run(round_.id)

    async def _round(self, meeting: Meeting) -> reminders.Reminder | None:
        return next((r for r in await reminders.for_meeting(self.bot.db, meeting.id) if r.kind == KIND), None)

    # -- the timed post -----------------------------------------------------------------------------------------------

    async def plan(self, meeting: Meeting, *, changed: bool) -> None:
        now = self.bot.clock()
        if meeting.format is not MeetingFormat.GROWTH or meeting.status is MeetingStatus.CANCELLED:
            return
        due = meeting.starts_at - self.bot.config.program.brief_before
        if due <= now and changed:
            return
        reminder = await reminders.schedule(self.bot.db, meeting.guild_id, meeting.id, KIND, max(due, now), now)
        self._arm(reminder)

    def _arm(self, reminder: reminders.Reminder) -> None:
        async def fire() -> None:
            await self.run(reminder.id)

        self.bot.timers.at(job_id(reminder.id), reminder.due_at, fire)

    async def rearm(self) -> None:
        for meeting in await meetings.coming_meetings(self.bot.db, self.guild_id, self.bot.clock(), limit=100):
            await self.plan(meeting, changed=False)
        for reminder in await reminders.unfinished(self.bot.db, self.guild_id):
            if reminder.kind == KIND:
                self._arm(reminder)

    async def run_due(self) -> None:
        now = self.bot.clock()
        for reminder in await reminders.unfinished(self.bot.db, self.guild_id):
            if reminder.kind == KIND and reminder.due_at <= now:
                await self.run(reminder.id)

    async def run(self, reminder_id: int) -> None:
        now = self.bot.clock()
        current = await reminders.get(self.bot.db, reminder_id)
        if current is None or current.meeting_id is None or current.due_at > now:
            return
        reminder = await reminders.claim(self.bot.db, reminder_id, now)
        if reminder is None or reminder.meeting_id is None:
            return
        meeting = await meetings.get_meeting(self.bot.db, reminder.guild_id, reminder.meeting_id)
        brief = await program.hot_seat_brief(self.bot.db, reminder.meeting_id)
        if meeting is None or meeting.status is MeetingStatus.CANCELLED or meeting.starts_at <= now:
            await reminders.finish(self.bot.db, reminder.id, ReminderState.SKIPPED, now, "meeting cancelled or begun")
            return
        if brief is None or meeting.announcement_message_id is None:
            await reminders.finish(self.bot.db, reminder.id, ReminderState.SKIPPED, now, "no brief")
            return
        thread = await self._thread(meeting, brief.name, brief.topic)
        if thread is None:
            await reminders.finish(self.bot.db, reminder.id, ReminderState.SKIPPED, now, "announcement channel gone")
            log.warning("brief not posted: the announcements channel is unavailable", extra={"meeting_id": meeting.id})
            return
        language = self.bot.config.network.language
        text = self.bot.catalogue.text(
            language, "brief.post", name=brief.name, topic=brief.topic or "—", brief=brief.brief
        )
        # Member text is shown as written but can never ping anyone.
        message = await thread.send(clip(text, 2000), allowed_mentions=discord.AllowedMentions.none())
        await reminders.set_channel_message(self.bot.db, reminder.id, message.id, self.bot.clock())
        await reminders.finish(self.bot.db, reminder.id, ReminderState.SENT, self.bot.clock())
        log.info("brief posted", extra={"meeting_id": meeting.id, "thread_id": thread.id})

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
