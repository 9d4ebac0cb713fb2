"""The program: /hotseat volunteers, the brag spot, organisers' slot assignments."""

from __future__ import annotations

from bot.client import MikroVirkBot
from cogs.program._cog import Program
from cogs.program._views import DYNAMIC_ITEMS


async def setup(bot: MikroVirkBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    cog = Program(bot)
    bot.rounds.register(cog.invitations, cog.briefs)
    await bot.add_cog(cog)
