"""Worth meeting: before each meeting, every member going who has a profile (and has not turned it off) gets a DM
with up to three others going and why — the network exists so that trades find each other.

A timed round like every other: claimed once, the audience fixed on the first attempt, each DM recorded as it goes,
so a restart after sending sends nothing again and one in the middle reaches only those not yet reached.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot.config import Language
from bot.matching import suggest
from bot.meetings import Meeting
from bot.profiles import candidate, suggestion_text
from bot.render import meeting_label
from bot.rounds import Outcome, Round, RoundKind
from bot.services.dm import DmMessage
from cogs._rounds import MeetingRound
from db import profiles, rounds

log = logging.getLogger(__name__)


class WorthMeeting(MeetingRound):
    kind = RoundKind.SUGGESTIONS

    def due(self, meeting: Meeting) -> datetime | None:
        return meeting.starts_at - self.bot.config.profiles.suggest_before

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        bot = self.bot
        now = bot.clock()
        going = (await profiles.going(bot.db, meeting.guild_id, meeting.id)).profiles
        newcomers_since = now - timedelta(days=bot.config.program.newcomer_days)
        # Worked out again when a stopped fan-out resumes: those still to be reached get what holds now.
        # Matching 300 members takes a quarter of a second: in a worker thread, so the bot keeps answering meanwhile.
        table = await asyncio.to_thread(
            suggest, [candidate(profile, newcomers_since, bot.catalogue) for profile in going]
        )
        if not row.audience_fixed:
            audience = [profile.user_id for profile in going if profile.suggestions and profile.user_id in table]
            if not audience:
                return Outcome.skipped("nobody going has a profile and someone worth meeting")
            await rounds.fix_audience(bot.db, row.id, audience, now)
        by_id = {profile.user_id: profile for profile in going}

        def compose(user_id: int, language: Language) -> DmMessage:
            title = meeting_label(meeting, language, bot.catalogue)
            return DmMessage(suggestion_text(title, table.get(user_id, ()), by_id, language, bot.catalogue))

        retries = await bot.dm.deliver(row.id, compose)
        log.info("suggestions sent", extra={"round_id": row.id, "meeting_id": meeting.id, "retries": retries})
        return Outcome.sent()
