"""Meetings: what members ask about the network's meetings."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import MikroVirkBot
from bot.i18n import command_text
from bot.render import meeting_card
from cogs._embeds import card_embed
from db import meetings


class Meetings(commands.Cog):
    meeting = app_commands.Group(name="meeting", description=command_text("cmd.meeting.description"), guild_only=True)

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot

    @meeting.command(name="next", description=command_text("cmd.meeting.next.description"))
    async def next_meeting(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        guild_id = self.bot.config.discord.guild_id
        meeting = await meetings.next_meeting(self.bot.db, guild_id, self.bot.clock())
        if meeting is None:
            await interaction.response.send_message(self.bot.text_for(interaction, "meeting.next.none"), ephemeral=True)
            return
        card = meeting_card(meeting, self.bot.language_of(interaction), self.bot.catalogue)
        await interaction.response.send_message(
            self.bot.text_for(interaction, "meeting.next.heading"), embed=card_embed(card), ephemeral=True
        )


async def setup(bot: MikroVirkBot) -> None:
    await bot.add_cog(Meetings(bot))
