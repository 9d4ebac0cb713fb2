"""The program's commands and listeners; each hands over to its flow module."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import Choice, Range, Transform
from discord.ext import commands

from bot.checks import organiser_only
from bot.client import MikroVirkBot
from bot.limits import MemberCooldown
from bot.meetings import Meeting
from bot.program import SlotKind
from bot.translator import command_text
from cogs._arguments import AnyMeeting, GrowthMeeting, ToolsMeeting
from cogs.program import _assign, _newcomers, _volunteer
from cogs.program._volunteer import TOPIC_MAX

GROWTH_CHOICES = [
    Choice(name=command_text("program.kind_hot_seat"), value=SlotKind.HOT_SEAT.value),
    Choice(name=command_text("program.kind_brag_spot"), value=SlotKind.BRAG_SPOT.value),
]
SLOT_CHOICES = [*GROWTH_CHOICES, Choice(name=command_text("program.kind_intro"), value=SlotKind.INTRO.value)]


class Program(commands.Cog):
    """Members volunteer for the hot seat or the brag spot; newcomers present; organisers confirm who gets it."""

    program_group = app_commands.Group(
        name="program", description=command_text("cmd.program.description"), guild_only=True
    )

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot
        self.sign_ups = MemberCooldown(_volunteer.SIGN_UP_EVERY)

    # -- members ----------------------------------------------------------------------------------------------------

    @app_commands.command(name="hotseat", description=command_text("cmd.hotseat.description"))
    @app_commands.describe(
        kind=command_text("cmd.hotseat.option_kind"),
        topic=command_text("cmd.hotseat.option_topic"),
        meeting=command_text("cmd.hotseat.option_meeting"),
    )
    @app_commands.choices(kind=GROWTH_CHOICES)
    @app_commands.guild_only()
    async def hotseat(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        kind: Choice[str],
        topic: Range[str, 1, TOPIC_MAX],
        meeting: Transform[Meeting, GrowthMeeting] | None = None,
    ) -> None:
        await _volunteer.volunteer(interaction, SlotKind(kind.value), topic, meeting, self.sign_ups)

    @app_commands.command(name="intro", description=command_text("cmd.intro.description"))
    @app_commands.describe(meeting=command_text("cmd.intro.option_meeting"))
    @app_commands.guild_only()
    async def intro(
        self, interaction: discord.Interaction[MikroVirkBot], meeting: Transform[Meeting, ToolsMeeting] | None = None
    ) -> None:
        await _newcomers.sign_up(interaction, meeting)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        await _newcomers.welcome(self.bot, member)

    @commands.Cog.listener()
    async def on_network_ready(self) -> None:
        guild = self.bot.get_guild(self.bot.config.discord.guild_id)
        if guild is not None:
            await _newcomers.record_members(self.bot, guild)

    # -- organisers -------------------------------------------------------------------------------------------------

    @program_group.command(name="show", description=command_text("cmd.program.show.description"))
    @app_commands.describe(meeting=command_text("cmd.meeting.option_meeting"))
    @organiser_only()
    async def show(
        self, interaction: discord.Interaction[MikroVirkBot], meeting: Transform[Meeting, AnyMeeting]
    ) -> None:
        await _assign.show(interaction, meeting)

    @program_group.command(name="assign", description=command_text("cmd.program.assign.description"))
    @app_commands.describe(
        meeting=command_text("cmd.meeting.option_meeting"),
        slot=command_text("cmd.program.option_slot"),
        member=command_text("cmd.program.option_member"),
    )
    @app_commands.choices(slot=SLOT_CHOICES)
    @organiser_only()
    async def assign(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        meeting: Transform[Meeting, AnyMeeting],
        slot: Choice[str],
        member: discord.Member,
    ) -> None:
        await _assign.assign(interaction, meeting, SlotKind(slot.value), member)

    @program_group.command(name="unassign", description=command_text("cmd.program.unassign.description"))
    @app_commands.describe(
        meeting=command_text("cmd.meeting.option_meeting"), member=command_text("cmd.program.option_member")
    )
    @organiser_only()
    async def unassign(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        meeting: Transform[Meeting, AnyMeeting],
        member: discord.Member,
    ) -> None:
        await _assign.unassign(interaction, meeting, member)
