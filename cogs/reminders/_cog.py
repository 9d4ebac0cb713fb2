"""Reminders before each meeting, the monthly post and members' DM preference — each sent exactly once.

The rounds themselves live in :mod:`cogs.reminders._rounds` and run on the bot's one round runner.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import MikroVirkBot
from bot.translator import command_text
from db import members


class Reminders(commands.Cog):
    reminders_group = app_commands.Group(
        name="reminders", description=command_text("cmd.reminders.description"), guild_only=True
    )

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot

    @property
    def guild_id(self) -> int:
        return self.bot.config.discord.guild_id

    @reminders_group.command(name="on", description=command_text("cmd.reminders.on.description"))
    async def turn_on(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        await members.set_dm_reminders(self.bot.db, self.guild_id, interaction.user.id, True, self.bot.clock())
        await interaction.response.send_message(self.bot.text_for(interaction, "reminder.turned_on"), ephemeral=True)

    @reminders_group.command(name="off", description=command_text("cmd.reminders.off.description"))
    async def turn_off(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        await members.set_dm_reminders(self.bot.db, self.guild_id, interaction.user.id, False, self.bot.clock())
        await interaction.response.send_message(self.bot.text_for(interaction, "reminder.turned_off"), ephemeral=True)
