"""Meetings, announcements and RSVP by reactions."""

from __future__ import annotations

from bot.client import MikroVirkBot
from cogs._rounds import FanOutReport
from cogs.meetings._checkin import CheckInButton
from cogs.meetings._cog import Meetings
from cogs.meetings._guests import AddGuestButton, CalendarButton, GuestsButton, RemoveGuestButton
from cogs.meetings._still_coming import StillComingButton


async def setup(bot: MikroVirkBot) -> None:
    bot.add_dynamic_items(
        CalendarButton, GuestsButton, AddGuestButton, RemoveGuestButton, StillComingButton, CheckInButton
    )
    cog = Meetings(bot)
    bot.rounds.register(*cog.rounds, FanOutReport(bot))
    await bot.add_cog(cog)
