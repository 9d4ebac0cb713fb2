"""Reminders before meetings, the monthly post, and members' reminder DMs on/off."""

from __future__ import annotations

from bot.client import MikroVirkBot
from cogs.reminders._cog import Reminders


async def setup(bot: MikroVirkBot) -> None:
    await bot.add_cog(Reminders(bot))
