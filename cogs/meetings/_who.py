"""/meeting who: who is going, each with their business and trade, grouped by trade. Members without a profile are
counted, never named: a profile is opt-in."""

from __future__ import annotations

from dataclasses import replace

import discord

from bot.client import MikroVirkBot
from bot.meetings import Meeting
from bot.profiles import who_card
from bot.render import meeting_label
from cogs._embeds import card_embed
from db import profiles


async def who(interaction: discord.Interaction[MikroVirkBot], meeting: Meeting) -> None:
    bot = interaction.client
    language = bot.language_of(interaction)
    going = await profiles.going(bot.db, bot.config.discord.guild_id, meeting.id)
    guild = interaction.guild
    # The name members see in the server now, where Discord has told us; else the last one the bot stored.
    named = [
        replace(profile, name=member.display_name)
        if guild and (member := guild.get_member(profile.user_id))
        else profile
        for profile in going.profiles
    ]
    title = meeting_label(meeting, language, bot.catalogue)
    card = who_card(title, named, going.without_profile, language, bot.catalogue)
    await interaction.response.send_message(embed=card_embed(card), ephemeral=True)
