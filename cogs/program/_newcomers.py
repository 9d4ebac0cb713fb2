"""Newcomers: a welcome when they join, and 3 × 3 minutes to present their business at a 1.0 meeting."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.config import Language
from bot.errors import UserFacingError
from bot.i18n import msgkey
from bot.meetings import Meeting, MeetingFormat, MeetingStatus
from bot.program import SlotKind, SlotStatus, intro_refusal, volunteer_refusal
from bot.render import meeting_label
from bot.rounds import Outcome, Round, RoundKind
from bot.services.dm import DmMessage, DmOutcome
from bot.services.rounds import MeetingRound
from cogs.program._views import IntroAnswerButton
from db import meetings, members, program, rounds

if TYPE_CHECKING:
    from bot.client import MikroVirkBot
    from cogs.meetings._cog import Meetings

log = logging.getLogger(__name__)


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


class IntroInvitations(MeetingRound):
    """Before each 1.0 meeting, newcomers who have not presented are invited by DM with two buttons."""

    kind = RoundKind.INTRO_INVITE

    def due(self, meeting: Meeting) -> datetime | None:
        if meeting.format is not MeetingFormat.TOOLS:
            return None
        return meeting.starts_at - self.bot.config.program.intro_invite_before

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        now = self.bot.clock()
        if not row.audience_fixed:
            since = now - timedelta(days=self.bot.config.program.newcomer_days)
            invitees = await program.newcomers_to_invite(self.bot.db, meeting.id, since, now)
            await rounds.fix_audience(self.bot.db, row.id, invitees, now)

        def compose(user_id: int, language: Language) -> DmMessage:
            view = discord.ui.View(timeout=None)
            view.add_item(IntroAnswerButton(meeting.id, "yes", self.bot.catalogue.text(language, "intro.yes")))
            view.add_item(IntroAnswerButton(meeting.id, "no", self.bot.catalogue.text(language, "intro.no")))
            text = self.bot.catalogue.text(
                language,
                "intro.invitation",
                title=meeting_label(meeting, language, self.bot.catalogue),
                minutes=self.bot.config.program.intro_minutes,
            )
            return DmMessage(text, view=view)

        await self.bot.dm.deliver(row.id, compose)
        return Outcome.sent()
