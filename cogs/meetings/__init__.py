"""Meetings, announcements and RSVP by reactions."""

from __future__ import annotations

from bot.client import MikroVirkBot
from cogs.meetings._cog import Meetings
from cogs.meetings._views import DYNAMIC_ITEMS


async def setup(bot: MikroVirkBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    cog = Meetings(bot)
    bot.rounds.register(*cog.rounds)
    await bot.add_cog(cog)
