"""Members' data rights: ``/privacy show``, ``/mydata``, ``/forget``; for organisers ``/privacy report`` and
``/privacy forget member`` (requests by e-mail); and members who leave the server.

Only the member sees or erases their own data: no command takes another member, except the organisers' erasure on
request, which needs Manage Server, a confirmation, and is logged in the organisers' channel.
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import organiser_only
from bot.client import MikroVirkBot
from bot.config import Language
from bot.errors import UserFacingError
from bot.i18n import msgkey
from bot.privacy import export_file
from bot.translator import command_text
from cogs._embeds import BRAND_COLOUR
from cogs._interactions import Confirmation
from cogs.privacy._erase import data_lines, erase, follow_up
from cogs.privacy._rounds import LeaverErasure
from db import privacy

log = logging.getLogger(__name__)


def _days(period: timedelta) -> int:
    return period // timedelta(days=1)


def _counts(rows: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    return {table: len(found) for table, found in rows.items()}


class Privacy(commands.Cog):
    privacy_group = app_commands.Group(
        name="privacy", description=command_text("cmd.privacy.description"), guild_only=True
    )

    def __init__(self, bot: MikroVirkBot, leavers: LeaverErasure) -> None:
        self.bot = bot
        self.leavers = leavers

    @property
    def guild_id(self) -> int:
        return self.bot.config.discord.guild_id

    def _text(self, language: Language, key: str, /, **params: object) -> str:
        return self.bot.catalogue.text(language, key, **params)

    # -- what is kept, and why ----------------------------------------------------------------------------------------

    @privacy_group.command(name="show", description=command_text("cmd.privacy.show.description"))
    async def show(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        language = self.bot.language_of(interaction)
        config = self.bot.config.privacy
        unknown = self._text(language, "privacy.who_unknown")
        embed = discord.Embed(title=self._text(language, "privacy.title"), colour=BRAND_COLOUR)
        for section in ("what", "how_long", "who_sees", "your_rights", "responsible"):
            embed.add_field(
                name=self._text(language, f"privacy.{section}_title"),
                value=self._text(
                    language,
                    f"privacy.{section}",
                    keep_after_leave=_days(config.keep_after_leave),
                    keep_comments=_days(config.keep_comments),
                    keep_history=_days(config.keep_history),
                    controller=config.controller or unknown,
                    contact=config.contact or unknown,
                ),
                inline=False,
            )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @privacy_group.command(name="report", description=command_text("cmd.privacy.report.description"))
    @organiser_only()
    async def report(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        language = self.bot.language_of(interaction)
        found = await privacy.report(self.bot.db, self.guild_id)
        last = (
            self._text(
                language,
                "privacy.report_retention",
                when=discord.utils.format_dt(found.last_retention, "f"),
                comments=found.last_retention_counts.get("comments", 0),
                answers=found.last_retention_counts.get("answers", 0),
            )
            if found.last_retention is not None
            else self._text(language, "privacy.report_no_retention")
        )
        await interaction.response.send_message(
            self._text(
                language,
                "privacy.report",
                members=found.members_known,
                leavers=found.leavers_pending,
                erasures=found.erasures,
                retention=last,
            ),
            ephemeral=True,
        )

    # -- a copy -------------------------------------------------------------------------------------------------------

    @app_commands.command(name="mydata", description=command_text("cmd.mydata.description"))
    @app_commands.guild_only()
    async def mydata(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        language = self.bot.language_of(interaction)
        user = interaction.user
        rows = await privacy.member_rows(self.bot.db, user.id)
        summary = self._text(language, "privacy.mydata", lines=data_lines(self.bot, language, _counts(rows)))
        payload = export_file(rows, user.id, self.bot.clock())

        def attachment() -> discord.File:
            return discord.File(io.BytesIO(payload), filename="mikrovirk-mydata.json")

        try:
            await user.send(summary, file=attachment())
        except discord.Forbidden:  # DMs closed: the copy comes here instead, seen only by them
            await interaction.followup.send(
                self._text(language, "privacy.mydata_here") + "\n\n" + summary, file=attachment(), ephemeral=True
            )
            return
        await interaction.followup.send(self._text(language, "privacy.mydata_sent"), ephemeral=True)
        log.info("member data exported", extra={"tables": len(rows)})

    # -- being forgotten ----------------------------------------------------------------------------------------------

    @app_commands.command(name="forget", description=command_text("cmd.forget.description"))
    @app_commands.guild_only()
    async def forget(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        await self._ask_to_erase(interaction, interaction.user.id, "forget", "privacy.forget_preview")

    @privacy_group.command(name="forget", description=command_text("cmd.privacy.forget.description"))
    @app_commands.describe(member=command_text("cmd.privacy.option_member"))
    @organiser_only()
    async def forget_member(self, interaction: discord.Interaction[MikroVirkBot], member: discord.User) -> None:
        asker = interaction.user
        if not isinstance(asker, discord.Member) or not asker.guild_permissions.manage_guild:
            raise UserFacingError(msgkey("privacy.errors.needs_manage_server"))
        await self._ask_to_erase(interaction, member.id, "forget_by_organiser", "privacy.forget_member_preview")

    async def _ask_to_erase(
        self, interaction: discord.Interaction[MikroVirkBot], user_id: int, kind: str, preview_key: str
    ) -> None:
        language = self.bot.language_of(interaction)
        rows = await privacy.member_rows(self.bot.db, user_id)
        lines = data_lines(self.bot, language, _counts(rows))
        preview = self._text(language, preview_key, member=f"<@{user_id}>", lines=lines)

        async def confirmed(pressed: discord.Interaction[MikroVirkBot]) -> None:
            erasure = await erase(self.bot, user_id, kind)
            await follow_up(self.bot, user_id, erasure)  # before the answer, which may fail
            if kind == "forget_by_organiser":
                logged = self.bot.public_text(
                    "privacy.forget_logged", organiser=pressed.user.mention, member=f"<@{user_id}>"
                )
                self.bot.tasks.spawn(self.bot.notify_organisers(logged), "erasure-logged")
            done = self._text(language, "privacy.forget_done", lines=data_lines(self.bot, language, erasure.counts))
            await pressed.response.edit_message(content=done, view=None)

        labels = (self._text(language, "privacy.confirm"), self._text(language, "privacy.cancel"))
        view = Confirmation(
            interaction.user.id,
            labels,
            confirmed,
            cancelled_key=msgkey("privacy.forget_cancelled"),
            confirm_style=discord.ButtonStyle.danger,
            confirm_emoji="🗑️",
        )
        await interaction.response.send_message(preview, view=view, ephemeral=True)

    # -- members who leave --------------------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        if payload.guild_id != self.guild_id or payload.user.bot:
            return
        now = self.bot.clock()
        leaver_id, released = await privacy.record_leave(self.bot.db, self.guild_id, payload.user.id, now)
        log.info("member left", extra={"leaver_id": leaver_id, "answers_released": len(released.released)})
        await follow_up(self.bot, payload.user.id, released)
        await self.leavers.schedule(leaver_id, now)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if member.guild.id != self.guild_id:
            return
        leaver_id = await privacy.rejoined(self.bot.db, self.guild_id, member.id)
        if leaver_id is not None:
            await self.leavers.rejoined(leaver_id)
            log.info("leaver rejoined", extra={"leaver_id": leaver_id})
