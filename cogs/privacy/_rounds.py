"""The privacy rounds: a leaver erased after ``keep_after_leave`` (unless they rejoined), and the nightly retention.

Both are rows in the round table like every other timed round, so each runs exactly once, also across restarts. A
leaver's row is named by the leaver record's id, never by the member's id, so nothing names them once they are gone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.privacy import next_retention
from bot.rounds import Outcome, Round, RoundKind
from cogs._rounds import RoundHandler
from cogs.privacy._erase import erase, follow_up
from db import privacy

log = logging.getLogger(__name__)

# A moment already past is planned a second ahead, so a leaver recorded while the bot was down still gets a row.
_AT_ONCE = timedelta(seconds=1)


class LeaverErasure(RoundHandler):
    kind = RoundKind.LEAVER_ERASURE

    async def at_start(self) -> None:
        for leaver_id, left_at in await privacy.leavers_due(self.bot.db, self.guild_id):
            await self.schedule(leaver_id, left_at)

    async def schedule(self, leaver_id: int, left_at: datetime) -> None:
        now = self.bot.clock()
        due = max(left_at + self.bot.config.privacy.keep_after_leave, now.replace(microsecond=0) + _AT_ONCE)
        await self.bot.rounds.plan(self.kind, str(leaver_id), due, may_be_late=True)

    async def rejoined(self, leaver_id: int) -> None:
        """Nothing is erased for a member who came back within the window."""
        await self.bot.rounds.cancel(self.kind, str(leaver_id), "rejoined")

    async def deliver(self, row: Round) -> Outcome:
        user_id = await privacy.leaver(self.bot.db, int(row.subject))
        if user_id is None:
            return Outcome.skipped("rejoined or erased already")
        await follow_up(self.bot, user_id, await erase(self.bot, user_id, "leaver"))
        return Outcome.sent()


class Retention(RoundHandler):
    kind = RoundKind.RETENTION

    async def at_start(self) -> None:
        await self.schedule_next()

    async def settings_changed(self) -> None:
        # A new time zone moves the nightly run; the night planned under the old one gives way to it.
        subject = await self.schedule_next()
        await self.bot.rounds.cancel_all_but(self.kind, subject, "the time zone changed")

    async def schedule_next(self) -> str:
        """Plan the next nightly run; returns its subject (the local date)."""
        subject, due = next_retention(self.bot.clock(), self.bot.config.network.timezone)
        await self.bot.rounds.plan(self.kind, subject, due)
        return subject

    async def deliver(self, row: Round) -> Outcome:
        await self.schedule_next()  # first, so a run that is given up never stops the next night's
        config = self.bot.config.privacy
        counts = await privacy.apply_retention(
            self.bot.db, self.guild_id, self.bot.clock(), config.keep_comments, config.keep_history
        )
        log.info(
            "retention applied",
            extra={"round_id": row.id, "comments": counts.comments, "answers": counts.answers},
        )
        return Outcome.sent()
