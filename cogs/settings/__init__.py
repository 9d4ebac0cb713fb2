"""Settings organisers change from Discord: channels, the organisers' role, network details, reminder timing."""

from __future__ import annotations

from bot.client import MikroVirkBot
from cogs.settings._cog import Settings


async def setup(bot: MikroVirkBot) -> None:
    await bot.add_cog(Settings(bot))
