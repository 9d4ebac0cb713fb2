"""The program: members volunteer for the hot seat or the brag spot; organisers confirm who gets it."""

from __future__ import annotations

import functools
import logging
from typing import Any, cast

import discord
from discord import app_commands
from discord.app_commands import Choice, Range
from discord.ext import commands

from bot.checks import organiser_only
from bot.client import MikroVirkBot
from bot.config import Language
from bot.errors import UserFacingError
from bot.i18n import msgkey
from bot.meetings import Meeting, MeetingFormat
from bot.program import SlotKind, SlotStatus, Volunteer, fairness_order, volunteer_refusal
from bot.render import clip, local_date
from bot.services.dm import DmMessage
from bot.translator import command_text
from cogs._interactions import clean_text
from cogs.meetings._cog import Meetings
from cogs.program._brief import Briefs
from cogs.program._newcomers import IntroInvitations, Newcomers
from cogs.program._views import BriefButton, WithdrawButton
from db import meetings, program

log = logging.getLogger(__name__)

TOPIC_MAX = 150  # a one-liner that fits the program line of the announcement

KIND_KEYS = {
    SlotKind.HOT_SEAT: msgkey("program.kind_hot_seat"),
    SlotKind.BRAG_SPOT: msgkey("program.kind_brag_spot"),
    SlotKind.INTRO: msgkey("program.kind_intro"),
}
GROWTH_CHOICES = [
    Choice(name=command_text("program.kind_hot_seat"), value=SlotKind.HOT_SEAT.value),
    Choice(name=command_text("program.kind_brag_spot"), value=SlotKind.BRAG_SPOT.value),
]
SLOT_CHOICES = [*GROWTH_CHOICES, Choice(name=command_text("program.kind_intro"), value=SlotKind.INTRO.value)]


class Program(commands.Cog):
    program_group = app_commands.Group(
        name="program", description=command_text("cmd.program.description"), guild_only=True
    )

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot

    @functools.cached_property
    def newcomers(self) -> Newcomers:
        return Newcomers(self.bot, self.meetings_cog)

    @functools.cached_property
    def briefs(self) -> Briefs:
        return Briefs(self.bot)

    @functools.cached_property
    def invitations(self) -> IntroInvitations:
        return IntroInvitations(self.bot)

    @property
    def meetings_cog(self) -> Meetings:
        return cast(Meetings, self.bot.get_cog("Meetings"))

    def _text(self, language: Language, key: str, /, **params: object) -> str:
        return self.bot.catalogue.text(language, key, **params)

    async def next_growth_meeting(self) -> Meeting | None:
        coming = await meetings.coming_meetings(self.bot.db, self.bot.config.discord.guild_id, self.bot.clock())
        return next((m for m in coming if m.format is MeetingFormat.GROWTH and m.starts_at > self.bot.clock()), None)

    async def growth_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        language = self.bot.language_of(interaction)
        coming = await meetings.coming_meetings(self.bot.db, self.bot.config.discord.guild_id, self.bot.clock())
        wanted = current.strip().lower()
        labels = [(m, self.meetings_cog.label(m, language)) for m in coming if m.format is MeetingFormat.GROWTH]
        return [Choice(name=label, value=str(m.id)) for m, label in labels if wanted in label.lower()][:25]

    async def any_meeting_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return await self.meetings_cog.meeting_autocomplete(interaction, current)

    async def _refuse(self, language: Language, reason: str) -> UserFacingError:
        """A refusal that points to the next 2.0 meeting, or says none is planned."""
        upcoming = await self.next_growth_meeting()
        if upcoming is None:
            return UserFacingError(msgkey("program.errors.with_none_planned"), reason=self._text(language, reason))
        return UserFacingError(
            msgkey("program.errors.with_next"),
            reason=self._text(language, reason),
            title=self.meetings_cog.label(upcoming, language),
        )

    # -- members ----------------------------------------------------------------------------------------------------

    @app_commands.command(name="hotseat", description=command_text("cmd.hotseat.description"))
    @app_commands.describe(
        kind=command_text("cmd.hotseat.option_kind"),
        topic=command_text("cmd.hotseat.option_topic"),
        meeting=command_text("cmd.hotseat.option_meeting"),
    )
    @app_commands.choices(kind=GROWTH_CHOICES)
    @app_commands.autocomplete(meeting=growth_autocomplete)
    @app_commands.guild_only()
    async def hotseat(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        kind: Choice[str],
        topic: Range[str, 1, TOPIC_MAX],
        meeting: str | None = None,
    ) -> None:
        language = self.bot.language_of(interaction)
        slot = SlotKind(kind.value)
        one_liner = clean_text(topic, TOPIC_MAX, self._text(language, "fields.topic"))
        assert one_liner is not None
        target = (
            await self.meetings_cog.meeting_option(meeting, coming_only=False)
            if meeting
            else await self.next_growth_meeting()
        )
        if target is None:
            raise UserFacingError("program.errors.no_growth_meeting")
        refusal = volunteer_refusal(target, slot, self.bot.clock())
        if refusal is not None:
            raise await self._refuse(language, refusal)
        name = interaction.user.display_name
        before, after = await program.volunteer(
            self.bot.db, target.id, interaction.user.id, slot, one_liner, name, self.bot.clock()
        )
        log.info("volunteered", extra={"meeting_id": target.id, "user_id": interaction.user.id, "kind": slot})
        title = self.meetings_cog.label(target, language)
        key = msgkey("program.signed_up") if before is None else msgkey("program.changed")
        content = self._text(
            language, key, kind=self._text(language, KIND_KEYS[after.kind]), title=title, topic=one_liner
        )
        if after.status is SlotStatus.CONFIRMED:
            content += "\n" + self._text(language, "program.you_are_confirmed")
        view = discord.ui.View(timeout=None)
        view.add_item(WithdrawButton(target.id, self._text(language, "program.withdraw_button")))
        if after.status is SlotStatus.CONFIRMED and after.kind is SlotKind.HOT_SEAT:
            view.add_item(BriefButton(target.id, self._text(language, "brief.button")))
        await interaction.response.send_message(
            content, view=view, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )
        if after.status is SlotStatus.CONFIRMED:
            self.meetings_cog.announcer.request_refresh(target.id)
        network = self.bot.config.network.language
        await self.bot.notify_organisers(
            self._text(
                network,
                "program.organiser_notice",
                name=name,
                kind=self._text(network, KIND_KEYS[after.kind]),
                title=self.meetings_cog.label(target, network),
                topic=one_liner,
            )
        )

    async def withdraw(self, interaction: discord.Interaction[Any], meeting_id: int) -> None:
        language = self.bot.language_of(interaction)
        before = await program.withdraw(self.bot.db, meeting_id, interaction.user.id, self.bot.clock())
        if before is None:
            raise UserFacingError("program.errors.nothing_to_withdraw")
        log.info("withdrew", extra={"meeting_id": meeting_id, "user_id": interaction.user.id, "was": before.status})
        await interaction.response.edit_message(content=self._text(language, "program.withdrawn"), view=None)
        if before.status is SlotStatus.CONFIRMED:
            self.meetings_cog.announcer.request_refresh(meeting_id)
            meeting = await meetings.get_meeting(self.bot.db, self.bot.config.discord.guild_id, meeting_id)
            network = self.bot.config.network.language
            title = self.meetings_cog.label(meeting, network) if meeting else str(meeting_id)
            await self.bot.notify_organisers(
                self._text(
                    network,
                    "program.confirmed_withdrew",
                    name=before.name,
                    kind=self._text(network, KIND_KEYS[before.kind]),
                    title=title,
                )
            )

    # -- newcomers ---------------------------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        await self.newcomers.welcome(member)

    @commands.Cog.listener()
    async def on_network_ready(self) -> None:
        guild = self.bot.get_guild(self.bot.config.discord.guild_id)
        if guild is not None:
            await self.newcomers.record_members(guild)

    async def tools_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        language = self.bot.language_of(interaction)
        coming = await meetings.coming_meetings(self.bot.db, self.bot.config.discord.guild_id, self.bot.clock())
        wanted = current.strip().lower()
        labels = [(m, self.meetings_cog.label(m, language)) for m in coming if m.format is MeetingFormat.TOOLS]
        return [Choice(name=label, value=str(m.id)) for m, label in labels if wanted in label.lower()][:25]

    @app_commands.command(name="intro", description=command_text("cmd.intro.description"))
    @app_commands.describe(meeting=command_text("cmd.intro.option_meeting"))
    @app_commands.autocomplete(meeting=tools_autocomplete)
    @app_commands.guild_only()
    async def intro(self, interaction: discord.Interaction[MikroVirkBot], meeting: str | None = None) -> None:
        target: Meeting | None
        if meeting:
            target = await self.meetings_cog.meeting_option(meeting, coming_only=False)
        else:
            coming = await meetings.coming_meetings(self.bot.db, self.bot.config.discord.guild_id, self.bot.clock())
            target = next(
                (m for m in coming if m.format is MeetingFormat.TOOLS and m.starts_at > self.bot.clock()), None
            )
        if target is None:
            raise UserFacingError("intro.errors.no_tools_meeting")
        await self.newcomers.sign_up(interaction, target)

    # -- organisers -------------------------------------------------------------------------------------------------

    @program_group.command(name="show", description=command_text("cmd.program.show.description"))
    @app_commands.describe(meeting=command_text("cmd.meeting.option_meeting"))
    @app_commands.autocomplete(meeting=any_meeting_autocomplete)
    @organiser_only()
    async def show(self, interaction: discord.Interaction[MikroVirkBot], meeting: str) -> None:
        language = self.bot.language_of(interaction)
        target = await self.meetings_cog.meeting_option(meeting, coming_only=False)
        signups = fairness_order(await program.volunteers(self.bot.db, target.id))
        lines = [self._line(volunteer, language) for volunteer in signups]
        embed = discord.Embed(
            title=self._text(language, "program.show_title", title=self.meetings_cog.label(target, language)),
            description=clip("\n".join(lines), 4096) if lines else self._text(language, "program.no_volunteers"),
        )
        embed.set_footer(text=self._text(language, "program.show_footer"))
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

    def _line(self, volunteer: Volunteer, language: Language) -> str:
        mark = "✅" if volunteer.status is SlotStatus.CONFIRMED else "▫️"
        last = (
            self._text(language, "program.last_slot", date=local_date(volunteer.last_slot_at, language))
            if volunteer.last_slot_at
            else self._text(language, "program.never_had_slot")
        )
        topic = f" — {volunteer.topic}" if volunteer.topic else ""
        return f"{mark} **{volunteer.name}** · {self._text(language, KIND_KEYS[volunteer.kind])}{topic} · {last}"

    @program_group.command(name="assign", description=command_text("cmd.program.assign.description"))
    @app_commands.describe(
        meeting=command_text("cmd.meeting.option_meeting"),
        slot=command_text("cmd.program.option_slot"),
        member=command_text("cmd.program.option_member"),
    )
    @app_commands.choices(slot=SLOT_CHOICES)
    @app_commands.autocomplete(meeting=any_meeting_autocomplete)
    @organiser_only()
    async def assign(
        self, interaction: discord.Interaction[MikroVirkBot], meeting: str, slot: Choice[str], member: discord.Member
    ) -> None:
        language = self.bot.language_of(interaction)
        target = await self.meetings_cog.meeting_option(meeting, coming_only=False)
        kind = SlotKind(slot.value)
        refusal = volunteer_refusal(target, kind, self.bot.clock())
        if refusal is not None:
            raise UserFacingError(refusal)
        try:
            confirmed = await program.assign(
                self.bot.db,
                target.id,
                member.id,
                kind,
                self.bot.config.program.intro_slots,
                member.display_name,
                self.bot.clock(),
            )
        except program.SlotTaken:
            raise UserFacingError("program.errors.slot_taken") from None
        log.info(
            "slot assigned",
            extra={"meeting_id": target.id, "user_id": member.id, "kind": kind, "by": interaction.user.id},
        )
        self.meetings_cog.announcer.request_refresh(target.id)
        kind_text = self._text(language, KIND_KEYS[kind])
        await interaction.response.send_message(
            self._text(
                language,
                "program.assigned",
                name=member.display_name,
                kind=kind_text,
                title=self.meetings_cog.label(target, language),
            ),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        member_language = await self.meetings_cog.dm.language_of(member.id)
        brief_view = None
        if kind is SlotKind.HOT_SEAT:
            brief_view = discord.ui.View(timeout=None)
            brief_view.add_item(BriefButton(target.id, self._text(member_language, "brief.button")))
        text = self._text(
            member_language,
            "program.assigned_dm",
            kind=self._text(member_language, KIND_KEYS[kind]),
            title=self.meetings_cog.label(target, member_language),
            topic=confirmed.topic or "—",
        )
        if brief_view is not None:
            text += "\n" + self._text(member_language, "brief.invite")
        await self.meetings_cog.dm.send(member.id, DmMessage(text, view=brief_view))

    @program_group.command(name="unassign", description=command_text("cmd.program.unassign.description"))
    @app_commands.describe(
        meeting=command_text("cmd.meeting.option_meeting"), member=command_text("cmd.program.option_member")
    )
    @app_commands.autocomplete(meeting=any_meeting_autocomplete)
    @organiser_only()
    async def unassign(
        self, interaction: discord.Interaction[MikroVirkBot], meeting: str, member: discord.Member
    ) -> None:
        language = self.bot.language_of(interaction)
        target = await self.meetings_cog.meeting_option(meeting, coming_only=False)
        before = await program.unassign(self.bot.db, target.id, member.id, self.bot.clock())
        if before is None:
            raise UserFacingError("program.errors.not_assigned")
        self.meetings_cog.announcer.request_refresh(target.id)
        await interaction.response.send_message(
            self._text(
                language,
                "program.unassigned",
                name=member.display_name,
                title=self.meetings_cog.label(target, language),
            ),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )
