"""The program: /hotseat volunteers, the brag spot, newcomers' intros, organisers' slot assignments."""

from __future__ import annotations

from bot.client import MikroVirkBot
from cogs.program._assign import AssignedNotice
from cogs.program._brief import BriefButton, Briefs
from cogs.program._cog import Program
from cogs.program._newcomers import IntroAnswerButton, IntroInvitations, IntroPromotedNotice, Welcome
from cogs.program._volunteer import VolunteeredNotice, WithdrawButton, WithdrawnNotice


async def setup(bot: MikroVirkBot) -> None:
    bot.add_dynamic_items(WithdrawButton, IntroAnswerButton, BriefButton)
    bot.rounds.register(
        IntroInvitations(bot),
        Briefs(bot),
        IntroPromotedNotice(bot),
        VolunteeredNotice(bot),
        WithdrawnNotice(bot),
        AssignedNotice(bot),
        Welcome(bot),
    )
    await bot.add_cog(Program(bot))
