"""Newcomers: a welcome when they join, and 3 × 3 minutes to present their business at a 1.0 meeting."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.config import Language
from bot.errors import UserFacingError
from bot.i18n import msgkey
from bot.meetings import Meeting, MeetingFormat, MeetingStatus
from bot.program import SlotKind, SlotStatus, intro_refusal, volunteer_refusal
from cogs._dm import DmMessage, DmOutcome
from cogs.program._views import IntroAnswerButton
from db import meetings, members, program, reminders
from db.reminders import DeliveryState, ReminderState

if TYPE_CHECKING:
    from bot.client import MikroVirkBot
    from cogs.meetings._cog import Meetings

log = logging.getLogger(__name__)

INVITE_KIND = "intro_invite"
_DELIVERY = {
    DmOutcome.SENT: DeliveryState.SENT,
    DmOutcome.REFUSED: DeliveryState.REFUSED,
    DmOutcome.FAILED: DeliveryState.FAILED,
}


def job_id(reminder_id: int) -> str:
    return f"reminder:{reminder_id}"


class Newcomers:
    def __init__(self, bot: MikroVirkBot, meetings_cog: Meetings) -> None:
        self.bot = bot
        self.meetings_cog = meetings_cog

    @property
    def guild_id(self) -> int:
        return self.bot.config.discord.guild_id

    # -- joining ----------------------------------------------------------------------------------------------------

    async def record_members(self, guild: discord.Guild) -> None:
        """At start: join dates of everyone in the server (the members intent delivers them)."""
        joins = [(m.id, m.joined_at, m.display_name) for m in guild.members if not m.bot and m.joined_at is not None]
        await members.record_joins(self.bot.db, guild.id, joins, self.bot.clock())
        log.info("join dates recorded", extra={"members": len(joins)})

    async def welcome(self, member: discord.Member) -> None:
        """Record the join and welcome the newcomer by DM, or in the announcements channel if DMs are closed."""
        if member.bot or member.guild.id != self.guild_id:
            return
        now = self.bot.clock()
        await members.record_joins(
            self.bot.db, self.guild_id, [(member.id, member.joined_at or now, member.display_name)], now
        )
        if not await members.mark_welcomed(self.bot.db, self.guild_id, member.id, now):
            return
        language = self.bot.config.network.language
        upcoming = await meetings.next_meeting(self.bot.db, self.guild_id, now)
        next_line = (
            self.bot.catalogue.text(language, "welcome.next", title=self.meetings_cog.label(upcoming, language))
            if upcoming
            else self.bot.catalogue.text(language, "welcome.no_next")
        )
        text = self.bot.catalogue.text(language, "welcome.dm", network=self.bot.config.network.name, next=next_line)
        outcome, _ = await self.meetings_cog.dm.send(member.id, DmMessage(text))
        if outcome is not DmOutcome.SENT:
            channel = self.bot.get_partial_messageable(self.bot.config.discord.announcements_channel_id)
            greeting = self.bot.catalogue.text(
                language,
                "welcome.channel",
                mention=member.mention,
                network=self.bot.config.network.name,
                next=next_line,
            )
            await channel.send(greeting, allowed_mentions=discord.AllowedMentions(users=[member]))
        log.info("newcomer welcomed", extra={"user_id": member.id, "by_dm": outcome is DmOutcome.SENT})

    # -- signing up -------------------------------------------------------------------------------------------------

    async def sign_up(self, interaction: discord.Interaction[Any], meeting: Meeting) -> None:
        language = self.bot.language_of(interaction)
        now = self.bot.clock()
        refusal = volunteer_refusal(meeting, SlotKind.INTRO, now)
        if refusal is not None:
            raise UserFacingError(refusal)
        presented = await program.has_presented(self.bot.db, self.guild_id, interaction.user.id, now)
        joined = await members.joined_at(self.bot.db, self.guild_id, interaction.user.id)
        refusal = intro_refusal(joined, presented, now, self.bot.config.program.newcomer_days)
        if refusal is not None:
            raise UserFacingError(refusal, days=self.bot.config.program.newcomer_days)
        await self._accept(interaction, meeting, language)

    async def _accept(self, interaction: discord.Interaction[Any], meeting: Meeting, language: Language) -> None:
        config = self.bot.config.program
        async with self.meetings_cog.lock(meeting.id):
            slot = await program.sign_up_intro(
                self.bot.db,
                meeting.id,
                interaction.user.id,
                config.intro_slots,
                interaction.user.display_name,
                self.bot.clock(),
            )
        title = self.meetings_cog.label(meeting, language)
        key = msgkey("intro.confirmed") if slot.status is SlotStatus.CONFIRMED else msgkey("intro.waiting")
        content = self.bot.catalogue.text(language, key, title=title, minutes=config.intro_minutes)
        log.info(
            "intro sign-up", extra={"meeting_id": meeting.id, "user_id": interaction.user.id, "status": slot.status}
        )
        if slot.status is SlotStatus.CONFIRMED:
            self.meetings_cog.announcer.request_refresh(meeting.id)
        # Keep a way out: a newcomer who cannot come after all frees the slot for the next one waiting.
        view = discord.ui.View(timeout=None)
        view.add_item(IntroAnswerButton(meeting.id, "no", self.bot.catalogue.text(language, "intro.cancel")))
        if interaction.message is not None and interaction.guild_id is None:
            await interaction.response.edit_message(content=content, view=view)
        else:
            await interaction.response.send_message(content, view=view, ephemeral=True)

    async def answered(self, interaction: discord.Interaction[Any], meeting_id: int, yes: bool) -> None:
        language = self.bot.language_of(interaction)
        meeting = await meetings.get_meeting(self.bot.db, self.guild_id, meeting_id)
        if meeting is None or meeting.status is MeetingStatus.CANCELLED or meeting.starts_at <= self.bot.clock():
            cancelled = meeting is not None and meeting.status is MeetingStatus.CANCELLED
            raise UserFacingError(msgkey("meeting.errors.cancelled") if cancelled else msgkey("meeting.errors.started"))
        if yes:
            await self._accept(interaction, meeting, language)
            return
        async with self.meetings_cog.lock(meeting.id):
            promoted = await program.decline_intro(self.bot.db, meeting.id, interaction.user.id, self.bot.clock())
        await interaction.response.edit_message(content=self.bot.catalogue.text(language, "intro.declined"), view=None)
        if promoted:
            self.meetings_cog.announcer.request_refresh(meeting.id)
            for user_id in promoted:
                member_language = await self.meetings_cog.dm.language_of(user_id)
                text = self.bot.catalogue.text(
                    member_language,
                    "intro.promoted",
                    title=self.meetings_cog.label(meeting, member_language),
                    minutes=self.bot.config.program.intro_minutes,
                )
                await self.meetings_cog.dm.send(user_id, DmMessage(text))

    # -- invitations before each 1.0 meeting --------------------------------------------------------------------------

    async def plan(self, meeting: Meeting, *, changed: bool) -> None:
        now = self.bot.clock()
        if meeting.format is not MeetingFormat.TOOLS or meeting.status is MeetingStatus.CANCELLED:
            return  # cancellation is handled for all of a meeting's rows by the meetings feature
        due = meeting.starts_at - self.bot.config.program.intro_invite_before
        if due <= now and changed:
            return
        reminder = await reminders.schedule(self.bot.db, meeting.guild_id, meeting.id, INVITE_KIND, max(due, now), now)
        self._arm(reminder)

    def _arm(self, reminder: reminders.Reminder) -> None:
        async def fire() -> None:
            await self.run(reminder.id)

        self.bot.timers.at(job_id(reminder.id), reminder.due_at, fire)

    async def rearm(self) -> None:
        for meeting in await meetings.coming_meetings(self.bot.db, self.guild_id, self.bot.clock(), limit=100):
            await self.plan(meeting, changed=False)
        for reminder in await reminders.unfinished(self.bot.db, self.guild_id):
            if reminder.kind == INVITE_KIND:
                self._arm(reminder)

    async def run_due(self) -> None:
        now = self.bot.clock()
        for reminder in await reminders.unfinished(self.bot.db, self.guild_id):
            if reminder.kind == INVITE_KIND and reminder.due_at <= now:
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
        if meeting is None or meeting.status is MeetingStatus.CANCELLED or meeting.starts_at <= now:
            await reminders.finish(self.bot.db, reminder.id, ReminderState.SKIPPED, now, "meeting cancelled or begun")
            return
        since = now - timedelta(days=self.bot.config.program.newcomer_days)
        if reminder.attempts == 1:
            invitees = await program.newcomers_to_invite(self.bot.db, meeting.id, since, now)
            await reminders.add_recipients(self.bot.db, reminder.id, invitees, now)
        for user_id in await reminders.recipients(self.bot.db, reminder.id, DeliveryState.PENDING):
            language = await self.meetings_cog.dm.language_of(user_id)
            view = discord.ui.View(timeout=None)
            view.add_item(IntroAnswerButton(meeting.id, "yes", self.bot.catalogue.text(language, "intro.yes")))
            view.add_item(IntroAnswerButton(meeting.id, "no", self.bot.catalogue.text(language, "intro.no")))
            text = self.bot.catalogue.text(
                language,
                "intro.invitation",
                title=self.meetings_cog.label(meeting, language),
                minutes=self.bot.config.program.intro_minutes,
            )
            outcome, message = await self.meetings_cog.dm.send(user_id, DmMessage(text, view=view))
            await reminders.record_delivery(
                self.bot.db, reminder.id, user_id, _DELIVERY[outcome], message.id if message else None, self.bot.clock()
            )
        await reminders.finish(self.bot.db, reminder.id, ReminderState.SENT, self.bot.clock())
        log.info("intro invitations sent", extra={"meeting_id": meeting.id, "reminder_id": reminder.id})
