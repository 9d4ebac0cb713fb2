"""Start-up: each coming meeting's post brought in line with the database and the reactions made while offline.

Every meeting is reconciled on its own: a Discord error on one post (Read Message History taken away, a 5xx) is
logged and becomes a :class:`ReconcileRetry` round, which the runner retries with its backoff and, given up, tells
the organisers once. Timed work never waits on Discord: rounds of no meeting are armed before any post is read, and
each meeting's rounds as soon as its own reconciliation has been tried, so its reminder counts the offline reactions.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.meetings import Meeting, MeetingStatus
from bot.rounds import RETRY_BACKOFF, Outcome, Round, RoundKind
from bot.services.rounds import describe, timer_id
from cogs._rounds import MeetingRound
from cogs.meetings._organise import Organiser
from cogs.meetings._rsvp import Rsvps
from db import meetings, rounds

if TYPE_CHECKING:
    from bot.client import MikroVirkBot

log = logging.getLogger(__name__)

# Meetings reconciled at start: far more than a season.
RECONCILE_HORIZON = 100


class Reconciler:
    def __init__(self, bot: MikroVirkBot, organiser: Organiser, rsvps: Rsvps) -> None:
        self.bot = bot
        self.organiser = organiser
        self.rsvps = rsvps

    async def reconcile(self, meeting_id: int) -> None:
        """Post a meeting that has no announcement yet, or bring its post in line; Discord's errors are raised."""
        bot = self.bot
        async with bot.locks(meeting_id):
            meeting = await meetings.get_meeting(bot.db, bot.config.discord.guild_id, meeting_id)
            if meeting is None or meeting.status is MeetingStatus.CANCELLED:
                return
            if meeting.announcement_message_id is None:
                await self.organiser.announce(meeting)
            else:
                await self.rsvps.reconcile(meeting)

    async def reconcile_all(self) -> None:
        """Arm rounds of no meeting at once, then reconcile each coming meeting and arm its rounds right after."""
        bot = self.bot
        coming = await meetings.coming_meetings(bot.db, bot.config.discord.guild_id, bot.clock(), RECONCILE_HORIZON)
        await bot.rounds.start(reconciling={meeting.id for meeting in coming})
        for meeting in coming:
            try:
                await self.reconcile(meeting.id)
            except Exception as error:  # whatever failed, this meeting fails alone and its rounds are still armed
                await self._retry_later(meeting, error)
            else:
                await self._no_retry_needed(meeting)
            await bot.rounds.start_meeting(meeting)
        log.info("announcements reconciled", extra={"meetings": len(coming)})

    async def _retry_later(self, meeting: Meeting, error: Exception) -> None:
        bot = self.bot
        extra = {"meeting_id": meeting.id, "error": describe(error)}
        if isinstance(error, discord.HTTPException):
            log.warning("announcement not reconciled, retrying later", extra=extra)
        else:
            log.error("announcement not reconciled, retrying later", exc_info=error, extra=extra)
        if not await self._open_retries(meeting):  # one left by an earlier start keeps its attempts: told once
            await bot.rounds.add_one_off(meeting.guild_id, meeting.id, RoundKind.RECONCILE, bot.clock() + RETRY_BACKOFF)

    async def _no_retry_needed(self, meeting: Meeting) -> None:
        """A retry left open by an earlier start would reconcile the post all over again (every reaction re-read)."""
        bot = self.bot
        for row in await self._open_retries(meeting):
            await rounds.cancel_pending(
                bot.db, row.guild_id, meeting.id, row.kind, row.subject, "reconciled at start", bot.clock()
            )
            bot.timers.cancel(timer_id(row.id))

    async def _open_retries(self, meeting: Meeting) -> list[Round]:
        return [
            row
            for row in await rounds.for_meeting(self.bot.db, meeting.id)
            if row.kind is RoundKind.RECONCILE and not row.state.finished
        ]


class ReconcileRetry(MeetingRound):
    """A meeting whose post could not be reconciled at start, tried again by the runner until Discord lets it."""

    kind = RoundKind.RECONCILE

    def __init__(self, bot: MikroVirkBot, reconcile: Callable[[int], Awaitable[None]]) -> None:
        super().__init__(bot)
        self._reconcile = reconcile

    def relevant(self, meeting: Meeting, now: datetime) -> bool:
        return now < meeting.ends_at

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        await self._reconcile(meeting.id)
        log.info("announcement reconciled on retry", extra={"meeting_id": meeting.id, "attempt": row.attempts})
        return Outcome.sent()
