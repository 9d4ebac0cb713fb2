"""Turns presentation cards (plain data from :mod:`bot.render`) into Discord embeds."""

from __future__ import annotations

import discord

from bot.render import Card

# MikroVirk's colour, so the bot's posts are recognisable in a busy channel.
BRAND_COLOUR = discord.Colour(0x2E7D32)


def card_embed(card: Card) -> discord.Embed:
    embed = discord.Embed(title=card.title, description=card.description or None, colour=BRAND_COLOUR)
    for card_field in card.fields:
        embed.add_field(name=card_field.name, value=card_field.value, inline=card_field.inline)
    if card.footer:
        embed.set_footer(text=card.footer)
    return embed
