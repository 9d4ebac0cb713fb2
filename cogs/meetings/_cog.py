"""Meetings: the commands and listeners of the feature, each handed to the flow module that does the work."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.app_commands import Choice, Range, Transform
from discord.ext import commands

from bot.checks import organiser_only
from bot.client import MikroVirkBot
from bot.meetings import Meeting, MeetingFormat
from bot.planning import MAX_SEASON_MONTHS
from bot.rounds import RoundKind
from bot.rsvp import RsvpChange
from bot.translator import command_text
from cogs._arguments import AnyMeeting, ComingMeeting
from cogs._rounds import RoundHandler, arm_open
from cogs.meetings import _members, _who
from cogs.meetings._announce import Announcer
from cogs.meetings._checkin import CheckInCloses, CheckInOpens, check_in_member
from cogs.meetings._guests import send_calendar
from cogs.meetings._notices import CancelNotice, ChangeNotice, EventSync
from cogs.meetings._organise import (
    CAPACITY_MAX,
    DESCRIPTION_MAX,
    FORMAT_CHOICES,
    REASON_MAX,
    SPEAKER_MAX,
    TOPIC_MAX,
    VENUE_MAX,
    MeetingFields,
    Organiser,
)
from cogs.meetings._rsvp import PromotedNotice, Rsvps, WaitlistedNotice
from cogs.meetings._startup import RECONCILE_HORIZON, Reconciler, ReconcileRetry
from cogs.meetings._still_coming import StillComing
from db import meetings

log = logging.getLogger(__name__)


class Meetings(commands.Cog):
    meeting = app_commands.Group(name="meeting", description=command_text("cmd.meeting.description"), guild_only=True)

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot
        self.announcer = Announcer(bot)
        self.rsvps = Rsvps(bot, self.announcer)
        self.organiser = Organiser(bot, self.announcer)
        self.next_answers = _members.NextMeetingAnswers(bot)
        self.reconciler = Reconciler(bot, self.organiser, self.rsvps)
        self.rounds: tuple[RoundHandler, ...] = (
            StillComing(bot),
            PromotedNotice(bot),
            WaitlistedNotice(bot),
            CheckInOpens(bot, self.announcer.refresh_now),
            CheckInCloses(bot, self.announcer.refresh_now),
            EventSync(bot, self.announcer),
            ChangeNotice(bot, self.announcer),
            CancelNotice(bot, self.announcer),
            ReconcileRetry(bot, self.reconciler.reconcile),
        )
        self.reconciled = False

    async def cog_unload(self) -> None:
        await self.announcer.edits.close()

    async def drain(self) -> None:
        """Wait for pending announcement edits, queued reaction removals and background DMs (tests and shutdown)."""
        while self.bot.tasks.pending or self.announcer.edits.pending:
            await self.bot.tasks.drain()
            await self.announcer.edits.drain()

    # -- listeners ----------------------------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self.rsvps.reaction_added(payload)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self.rsvps.reaction_removed(payload)

    @commands.Cog.listener()
    async def on_rsvp_changed(self, meeting: Meeting, change: RsvpChange) -> None:
        await self.rsvps.after_change(meeting, change)

    @commands.Cog.listener()
    async def on_members_promoted(self, meeting_id: int) -> None:
        """Members moved up the waiting list: their notice was written with the move, and goes out now."""
        await arm_open(self.bot, meeting_id, RoundKind.PROMOTED)

    @commands.Cog.listener()
    async def on_member_reactions_erased(self, user_id: int, reactions: tuple[tuple[int, str], ...]) -> None:
        """An erased member's answer reactions are taken back where the bot may, so the post shows no trace."""
        for meeting_id, emoji in reactions:
            meeting = await meetings.get_meeting(self.bot.db, self.bot.config.discord.guild_id, meeting_id)
            if meeting is not None:
                self.announcer.remove_reaction(meeting, emoji, user_id)

    @commands.Cog.listener()
    async def on_announcement_outdated(self, meeting_id: int) -> None:
        """Something the post shows changed (answers, guests, the program, a planned topic)."""
        self.announcer.request_refresh(meeting_id)

    @commands.Cog.listener()
    async def on_network_ready(self) -> None:
        self.bot.tasks.spawn(self.reconcile_all(), "reconcile")

    async def reconcile_all(self) -> None:
        await self.reconciler.reconcile_all()
        self.reconciled = True

    # -- members ------------------------------------------------------------------------------------------------------

    @meeting.command(name="next", description=command_text("cmd.meeting.next.description"))
    async def next_meeting(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        await _members.next_meeting(interaction, self.next_answers)

    @meeting.command(name="list", description=command_text("cmd.meeting.list.description"))
    async def list_meetings(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        await _members.list_meetings(interaction)

    @meeting.command(name="who", description=command_text("cmd.meeting.who.description"))
    @app_commands.describe(meeting=command_text("cmd.meeting.option_meeting"))
    async def who(
        self, interaction: discord.Interaction[MikroVirkBot], meeting: Transform[Meeting, ComingMeeting]
    ) -> None:
        await _who.who(interaction, meeting)

    # -- organisers ---------------------------------------------------------------------------------------------------

    @meeting.command(name="create", description=command_text("cmd.meeting.create.description"))
    @app_commands.describe(
        date=command_text("cmd.meeting.option_date"),
        format=command_text("cmd.meeting.option_format"),
        time=command_text("cmd.meeting.option_time"),
        topic=command_text("cmd.meeting.option_topic"),
        speaker=command_text("cmd.meeting.option_speaker"),
        venue=command_text("cmd.meeting.option_venue"),
        capacity=command_text("cmd.meeting.option_capacity"),
        description=command_text("cmd.meeting.option_description"),
    )
    @app_commands.choices(format=FORMAT_CHOICES)
    @organiser_only()
    async def create(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        date: Range[str, 1, 40],
        format: Choice[str],
        time: Range[str, 1, 20] | None = None,
        topic: Range[str, 1, TOPIC_MAX] | None = None,
        speaker: Range[str, 1, SPEAKER_MAX] | None = None,
        venue: Range[str, 1, VENUE_MAX] | None = None,
        capacity: Range[int, 1, CAPACITY_MAX] | None = None,
        description: Range[str, 1, DESCRIPTION_MAX] | None = None,
    ) -> None:
        fields = MeetingFields(time, topic, speaker, venue, capacity, description)
        await self.organiser.create(interaction, date, MeetingFormat(format.value), fields)

    @meeting.command(name="plan", description=command_text("cmd.meeting.plan.description"))
    @app_commands.describe(
        first_date=command_text("cmd.meeting.option_first_date"),
        months=command_text("cmd.meeting.option_months"),
        first_format=command_text("cmd.meeting.option_first_format"),
        time=command_text("cmd.meeting.option_time"),
        venue=command_text("cmd.meeting.option_venue"),
        last_weekday=command_text("cmd.meeting.option_last_weekday"),
    )
    @app_commands.choices(first_format=FORMAT_CHOICES)
    @organiser_only()
    async def plan(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        first_date: Range[str, 1, 40],
        months: Range[int, 1, MAX_SEASON_MONTHS],
        first_format: Choice[str],
        time: Range[str, 1, 20] | None = None,
        venue: Range[str, 1, VENUE_MAX] | None = None,
        last_weekday: bool = False,
    ) -> None:
        first = MeetingFormat(first_format.value)
        await self.organiser.plan(interaction, first_date, months, first, time, venue, last_weekday)

    @meeting.command(name="edit", description=command_text("cmd.meeting.edit.description"))
    @app_commands.describe(
        meeting=command_text("cmd.meeting.option_meeting"),
        date=command_text("cmd.meeting.option_date"),
        time=command_text("cmd.meeting.option_time"),
        format=command_text("cmd.meeting.option_format"),
        topic=command_text("cmd.meeting.option_topic"),
        speaker=command_text("cmd.meeting.option_speaker"),
        venue=command_text("cmd.meeting.option_venue"),
        capacity=command_text("cmd.meeting.option_capacity_edit"),
        description=command_text("cmd.meeting.option_description"),
    )
    @app_commands.choices(format=FORMAT_CHOICES)
    @organiser_only()
    async def edit(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        meeting: Transform[Meeting, ComingMeeting],
        date: Range[str, 1, 40] | None = None,
        time: Range[str, 1, 20] | None = None,
        format: Choice[str] | None = None,
        topic: Range[str, 1, TOPIC_MAX] | None = None,
        speaker: Range[str, 1, SPEAKER_MAX] | None = None,
        venue: Range[str, 1, VENUE_MAX] | None = None,
        capacity: Range[int, 0, CAPACITY_MAX] | None = None,
        description: Range[str, 1, DESCRIPTION_MAX] | None = None,
    ) -> None:
        fields = MeetingFields(time, topic, speaker, venue, capacity, description)
        new_format = MeetingFormat(format.value) if format else None
        await self.organiser.edit(interaction, meeting, date, new_format, fields)

    @meeting.command(name="cancel", description=command_text("cmd.meeting.cancel.description"))
    @app_commands.describe(
        meeting=command_text("cmd.meeting.option_meeting"), reason=command_text("cmd.meeting.option_reason")
    )
    @organiser_only()
    async def cancel(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        meeting: Transform[Meeting, ComingMeeting],
        reason: Range[str, 1, REASON_MAX] | None = None,
    ) -> None:
        await self.organiser.cancel(interaction, meeting, reason)

    @meeting.command(name="attendees", description=command_text("cmd.meeting.attendees.description"))
    @app_commands.describe(meeting=command_text("cmd.meeting.option_meeting"))
    @organiser_only()
    async def attendees(
        self, interaction: discord.Interaction[MikroVirkBot], meeting: Transform[Meeting, AnyMeeting]
    ) -> None:
        await self.organiser.attendees(interaction, meeting)

    @meeting.command(name="checkin", description=command_text("cmd.meeting.checkin.description"))
    @app_commands.describe(
        meeting=command_text("cmd.meeting.option_meeting"), member=command_text("cmd.program.option_member")
    )
    @organiser_only()
    async def checkin_member(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        meeting: Transform[Meeting, AnyMeeting],
        member: discord.Member,
    ) -> None:
        await check_in_member(interaction, meeting, member)

    @meeting.command(name="remind", description=command_text("cmd.meeting.remind.description"))
    @app_commands.describe(meeting=command_text("cmd.meeting.option_meeting"))
    @organiser_only()
    async def remind(
        self, interaction: discord.Interaction[MikroVirkBot], meeting: Transform[Meeting, ComingMeeting]
    ) -> None:
        await self.organiser.remind(interaction, meeting)

    @meeting.command(name="calendar", description=command_text("cmd.meeting.calendar.description"))
    @organiser_only()
    async def calendar(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        guild_id = self.bot.config.discord.guild_id
        coming = await meetings.coming_meetings(self.bot.db, guild_id, self.bot.clock(), RECONCILE_HORIZON)
        if not coming:
            await interaction.response.send_message(self.bot.text_for(interaction, "meeting.next.none"), ephemeral=True)
            return
        await send_calendar(interaction, coming, "mikrovirk.ics", "meeting.calendar.all")
