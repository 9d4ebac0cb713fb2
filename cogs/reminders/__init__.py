"""Reminders before meetings, the monthly post, and members' reminder DMs on/off."""

from __future__ import annotations

from bot.client import MikroVirkBot
from cogs.reminders._cog import Reminders
from cogs.reminders._rounds import BeforeMeeting, ExtraReminder, MonthlyPost


async def setup(bot: MikroVirkBot) -> None:
    bot.rounds.register(BeforeMeeting(bot), ExtraReminder(bot), MonthlyPost(bot))
    await bot.add_cog(Reminders(bot))
