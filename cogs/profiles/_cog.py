"""Profiles: the commands of the feature, each handed to the flow module that does the work."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import Range, Transform
from discord.ext import commands

from bot.client import MikroVirkBot
from bot.translator import command_text
from cogs.profiles import _directory, _edit
from cogs.profiles._directory import SEARCH_MAX
from cogs.profiles._trades import Trade, TradeArgument, TradeFilter


class Profiles(commands.Cog):
    """Members' businesses: their own profile, the directory across trades, "worth meeting" DMs before meetings."""

    profile = app_commands.Group(name="profile", description=command_text("cmd.profile.description"), guild_only=True)
    suggestions = app_commands.Group(
        name="suggestions", description=command_text("cmd.profile.suggestions.description"), parent=profile
    )

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot

    @profile.command(name="edit", description=command_text("cmd.profile.edit.description"))
    @app_commands.describe(trade=command_text("cmd.profile.option_trade"))
    async def edit(
        self, interaction: discord.Interaction[MikroVirkBot], trade: Transform[Trade, TradeArgument]
    ) -> None:
        await _edit.open_form(interaction, trade)

    @profile.command(name="show", description=command_text("cmd.profile.show.description"))
    @app_commands.describe(member=command_text("cmd.profile.option_member"))
    async def show(self, interaction: discord.Interaction[MikroVirkBot], member: discord.Member | None = None) -> None:
        await _edit.send_card(interaction, member or interaction.user)

    @profile.command(name="remove", description=command_text("cmd.profile.remove.description"))
    async def remove(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        await _edit.remove(interaction)

    @suggestions.command(name="on", description=command_text("cmd.profile.suggestions.on.description"))
    async def suggestions_on(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        await _edit.set_suggestions(interaction, True)

    @suggestions.command(name="off", description=command_text("cmd.profile.suggestions.off.description"))
    async def suggestions_off(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        await _edit.set_suggestions(interaction, False)

    @app_commands.command(name="directory", description=command_text("cmd.directory.description"))
    @app_commands.describe(
        trade=command_text("cmd.directory.option_trade"), search=command_text("cmd.directory.option_search")
    )
    @app_commands.guild_only()
    async def directory(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        trade: Transform[Trade, TradeFilter] | None = None,
        search: Range[str, 1, SEARCH_MAX] | None = None,
    ) -> None:
        await _directory.search(interaction, trade, search)
