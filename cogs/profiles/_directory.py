"""/directory: the network's businesses across trades, ten per page, filtered by trade and searched by word.

The page buttons carry the page, the trade and the search in their custom id, so they still work after a restart.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.client import MikroVirkBot
from bot.profiles import directory, directory_card, pages, trade_list, trade_name
from bot.render import clip
from cogs._embeds import card_embed
from cogs._interactions import IdButton, answers_errors
from cogs.profiles._trades import Trade
from db import profiles

# Discord's limit for a custom id.
CUSTOM_ID_MAX = 100
SEARCH_MAX = 40


def _custom_id(page: int, step: str, trade: int, query: str) -> str:
    prefix = f"mv:dir:{page}:{step}:{trade}:"
    return prefix + query[: CUSTOM_ID_MAX - len(prefix)]


class DirectoryPageButton(IdButton, template=r"mv:dir:(?P<page>\d+):(?P<step>[pn]):(?P<trade>\d+):(?P<query>.*)"):
    """Previous (``p``) or next (``n``) page; ``trade`` is the position in the trade list plus one (0: every trade)."""

    def __init__(
        self, page: int, step: str, trade: int, query: str, label: str = "", *, disabled: bool = False
    ) -> None:
        super().__init__(_custom_id(page, step, trade, query), label, emoji="◀️" if step == "p" else "▶️")
        self.item.disabled = disabled
        self.page, self.trade, self.query = page, trade, query

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DirectoryPageButton:
        # The search stays text even when it is a number ("2026").
        return cls(int(match["page"]), match["step"], int(match["trade"]), match["query"])

    @answers_errors
    async def callback(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        await show_page(interaction, self.page, self.trade, self.query, edit=True)


async def search(interaction: discord.Interaction[MikroVirkBot], trade: Trade | None, query: str | None) -> None:
    """/directory [trade] [search]. A trade typed that is not on the list finds members who wrote it as their own."""
    bot = interaction.client
    words = [query or ""]
    position = 0
    if trade is not None:
        key, own_words = trade
        position = trade_list(bot.config.profiles.trades).index(key) + 1
        words.insert(0, own_words or "")
    await show_page(interaction, 0, position, " ".join(word for word in words if word), edit=False)


async def show_page(
    interaction: discord.Interaction[MikroVirkBot], page: int, position: int, query: str, *, edit: bool
) -> None:
    bot = interaction.client
    language = bot.language_of(interaction)
    text = bot.catalogue.text
    trades = trade_list(bot.config.profiles.trades)
    # A position beyond the list (organisers shortened it since the buttons were made) filters nothing.
    trade = trades[position - 1] if 0 < position <= len(trades) else None
    found = directory(await profiles.every(bot.db, bot.config.discord.guild_id), trade, query)
    if not found:
        await _answer(interaction, text(language, "profiles.directory.none"), None, None, edit=edit)
        return
    last = pages(len(found)) - 1
    page = min(page, last)
    heading = " · ".join(
        [
            text(language, "profiles.directory.title", network=bot.config.network.name),
            *([trade_name(trade, language, bot.catalogue)] if trade else []),
            *([f"“{clip(query, SEARCH_MAX)}”"] if query else []),
        ]
    )
    embed = card_embed(directory_card(found, page, language, bot.catalogue, heading))
    view = None
    if last > 0:
        view = discord.ui.View(timeout=None)
        previous, following = text(language, "profiles.directory.previous"), text(language, "profiles.directory.next")
        view.add_item(DirectoryPageButton(max(page - 1, 0), "p", position, query, previous, disabled=page == 0))
        view.add_item(DirectoryPageButton(min(page + 1, last), "n", position, query, following, disabled=page == last))
    await _answer(interaction, None, embed, view, edit=edit)


async def _answer(
    interaction: discord.Interaction[MikroVirkBot],
    content: str | None,
    embed: discord.Embed | None,
    view: discord.ui.View | None,
    *,
    edit: bool,
) -> None:
    if edit:
        await interaction.response.edit_message(content=content, embed=embed, view=view)
    elif embed is not None and view is not None:
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
    elif embed is not None:
        await interaction.response.send_message(embed=embed, ephemeral=True)
    else:
        await interaction.response.send_message(content, ephemeral=True)
