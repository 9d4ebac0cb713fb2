"""Feedback polls after meetings, topic ideas with up-votes, and organisers' polls."""

from __future__ import annotations

from bot.client import MikroVirkBot
from cogs.feedback._cog import Feedback
from cogs.feedback._views import DYNAMIC_ITEMS


async def setup(bot: MikroVirkBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    cog = Feedback(bot)
    bot.rounds.register(*cog.rounds)
    await bot.add_cog(cog)
