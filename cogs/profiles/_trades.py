"""The trade argument of /profile edit and /directory: picked from the list while typing, in the member's language,
or (for a profile) the member's own words."""

from __future__ import annotations

from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.app_commands import Choice

from bot.client import MikroVirkBot
from bot.profiles import TRADE_MAX, resolve_trade, trade_list, trade_name
from bot.render import clip
from cogs._arguments import MAX_CHOICES

# A trade as chosen: one of the list, or OTHER with the member's own words.
Trade = tuple[str, str | None]


class TradeArgument(app_commands.Transformer):
    """A trade of the list; anything else typed is "other" in the member's own words."""

    # Whether to offer what the member typed as their own trade (a profile), or only the list (a filter).
    own_words: ClassVar[bool] = True

    @property
    def max_value(self) -> int:
        return TRADE_MAX  # the length of a string option

    async def transform(self, interaction: discord.Interaction[Any], value: str, /) -> Trade:
        bot: MikroVirkBot = interaction.client
        return resolve_trade(value, trade_list(bot.config.profiles.trades), bot.catalogue)

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], value: str, /
    ) -> list[Choice[str]]:
        bot: MikroVirkBot = interaction.client
        language = bot.language_of(interaction)
        typed = value.strip()
        named = [
            (trade, trade_name(trade, language, bot.catalogue)) for trade in trade_list(bot.config.profiles.trades)
        ]
        choices = [Choice(name=name, value=trade) for trade, name in named if typed.casefold() in name.casefold()]
        known = any(typed.casefold() in (trade.casefold(), name.casefold()) for trade, name in named)
        if self.own_words and typed and not known:
            own = clip(typed, TRADE_MAX)
            choices.insert(0, Choice(name=bot.catalogue.text(language, "profiles.trade_own", words=own), value=own))
        return choices[:MAX_CHOICES]


class TradeFilter(TradeArgument):
    """/directory's filter: a trade of the list ("other" lists everyone who wrote their own)."""

    own_words = False
