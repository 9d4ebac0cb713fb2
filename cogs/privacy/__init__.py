"""Members' data rights: what is kept and why, a copy, being forgotten, leavers, and retention."""

from __future__ import annotations

from bot.client import MikroVirkBot
from cogs.privacy._cog import Privacy
from cogs.privacy._erase import SlotFreedNotice, TopicPostRemoval
from cogs.privacy._rounds import LeaverErasure, Retention


async def setup(bot: MikroVirkBot) -> None:
    leavers = LeaverErasure(bot)
    bot.rounds.register(leavers, Retention(bot), SlotFreedNotice(bot), TopicPostRemoval(bot))
    await bot.add_cog(Privacy(bot, leavers))
