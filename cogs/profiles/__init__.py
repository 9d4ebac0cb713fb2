"""Who is who: members' business profiles, the directory across trades, and whom to meet at the next meeting."""

from __future__ import annotations

from bot.client import MikroVirkBot
from cogs.profiles._cog import Profiles
from cogs.profiles._directory import DirectoryPageButton
from cogs.profiles._suggestions import WorthMeeting


async def setup(bot: MikroVirkBot) -> None:
    bot.add_dynamic_items(DirectoryPageButton)
    bot.rounds.register(WorthMeeting(bot))
    await bot.add_cog(Profiles(bot))
