"""What follows an organiser's change: the post, the Discord event and a DM to everyone who answered.

Each change writes its round in the same transaction as the change itself, so a crash or a Discord error never
leaves members uninformed: the runner retries the round, and DMs already sent are not sent again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.config import Language
from bot.i18n import msgkey
from bot.meetings import Meeting
from bot.render import meeting_label
from bot.rounds import Outcome, Round, RoundKind
from bot.rsvp import RsvpState
from bot.services.dm import DmMessage
from cogs._rounds import RoundHandler
from cogs.meetings._announce import Announcer
from db import meetings, rounds, rsvps

if TYPE_CHECKING:
    from bot.client import MikroVirkBot

log = logging.getLogger(__name__)

# Everyone who told the bot they planned around the meeting.
ANSWERED = (RsvpState.GOING, RsvpState.MAYBE, RsvpState.WAITING)


async def answered(bot: MikroVirkBot, meeting_id: int) -> list[int]:
    states = await rsvps.states(bot.db, meeting_id)
    return [user_id for user_id, state in states.items() if state in ANSWERED]


class EventSync(RoundHandler):
    """An edit that changes neither time nor place: the post and the Discord event follow."""

    kind = RoundKind.EVENT_SYNC

    def __init__(self, bot: MikroVirkBot, announcer: Announcer) -> None:
        super().__init__(bot)
        self.announcer = announcer

    async def _meeting(self, row: Round) -> Meeting | None:
        assert row.meeting_id is not None
        return await meetings.get_meeting(self.bot.db, row.guild_id, row.meeting_id)

    async def deliver(self, row: Round) -> Outcome:
        meeting = await self._meeting(row)
        if meeting is None:
            return Outcome.skipped("meeting deleted")
        await self.announcer.refresh_now(meeting.id)
        await self.announcer.sync_event(meeting)
        return Outcome.sent()


class ChangeNotice(EventSync):
    """A new time or place: the post and the event follow, and everyone who answered gets a DM."""

    kind = RoundKind.CHANGE_NOTICE
    dm_key = msgkey("meeting.moved_dm")

    def dm_params(self, meeting: Meeting, language: Language) -> dict[str, object]:
        return {"venue": meeting.venue, "url": meeting.announcement_url or ""}

    def compose(self, meeting: Meeting, language: Language) -> DmMessage:
        title = meeting_label(meeting, language, self.bot.catalogue)
        return DmMessage(
            self.bot.catalogue.text(language, self.dm_key, title=title, **self.dm_params(meeting, language))
        )

    async def deliver(self, row: Round) -> Outcome:
        meeting = await self._meeting(row)
        if meeting is None:
            return Outcome.skipped("meeting deleted")
        # The post first (everyone sees it), then each member, then the event; a failure retries what is left.
        await self.announcer.refresh_now(meeting.id)
        await rounds.fix_audience(self.bot.db, row.id, await answered(self.bot, meeting.id), self.bot.clock())
        await self.bot.dm.deliver(row.id, lambda _user_id, language: self.compose(meeting, language))
        await self.announcer.sync_event(meeting)
        await self.report_deliveries(row)
        log.info("members told of a change", extra={"round_id": row.id, "meeting_id": meeting.id, "kind": row.kind})
        return Outcome.sent()


class CancelNotice(ChangeNotice):
    """A cancellation: the post says so, everyone who answered gets a DM, the event is cancelled or ended."""

    kind = RoundKind.CANCEL_NOTICE
    dm_key = msgkey("meeting.cancelled_dm")

    def dm_params(self, meeting: Meeting, language: Language) -> dict[str, object]:
        return {"reason": meeting.cancel_reason or self.bot.catalogue.text(language, "announcement.no_reason")}
