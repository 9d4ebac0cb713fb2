"""Base classes for the features' timed-round handlers; the bot's runner (:mod:`bot.services.rounds`) drives them."""

from __future__ import annotations

import abc
from datetime import datetime
from typing import ClassVar

from bot.client import MikroVirkBot
from bot.i18n import msgkey
from bot.meetings import Meeting, MeetingStatus
from bot.render import meeting_label
from bot.rounds import DeliveryState, Outcome, Round, RoundKind
from bot.services.once import round_notice
from db import meetings, rounds


class RoundHandler(abc.ABC):
    """What one kind of round delivers. Decides only from the database's current state, never from attempts."""

    kind: ClassVar[RoundKind]

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot

    @property
    def guild_id(self) -> int:
        return self.bot.config.discord.guild_id

    @abc.abstractmethod
    async def deliver(self, row: Round) -> Outcome:
        """Do the work of a claimed row; raise to have it retried later."""

    async def at_start(self) -> None:
        """Schedule rows that belong to no meeting (the monthly post); the runner schedules meeting rows."""
        return  # most kinds have none

    async def settings_changed(self) -> None:
        """Re-time rows that belong to no meeting after an organiser changed when they fall."""
        return  # meeting rows are re-timed by the runner

    async def tell_organisers(self, row: Round, content: str) -> None:
        """The round's notice to the organisers, as its one post: sent exactly once (marked in doubt before it goes
        out, recorded on the row), and a Discord error raises, so the runner retries the round."""
        await round_notice(self.bot, row, self.bot.config.discord.organisers_channel_id, content)

    async def report_deliveries(self, row: Round) -> None:
        """Once the fan-out is done: the round that tells the organisers how it went (:class:`FanOutReport`), its
        own row, so a failed report is retried alone and never sends a member's DM again."""
        report = await rounds.add_once(
            self.bot.db, row.guild_id, RoundKind.FAN_OUT_REPORT, str(row.id), self.bot.clock()
        )
        self.bot.rounds.arm(report)


class MeetingRound(RoundHandler):
    """A round tied to a meeting's time: the runner schedules it when the meeting is published, edited or cancelled."""

    def moments(self, meeting: Meeting) -> dict[str, datetime]:
        """Subject → due instant of this kind's rows for ``meeting`` (none: the meeting has no such round)."""
        due = self.due(meeting)
        return {} if due is None else {"": due}

    def due(self, meeting: Meeting) -> datetime | None:
        return None

    def relevant(self, meeting: Meeting, now: datetime) -> bool:
        """Whether the round still makes sense when it runs late; most rounds are for before the meeting."""
        return meeting.starts_at > now

    async def deliver(self, row: Round) -> Outcome:
        assert row.meeting_id is not None
        meeting = await meetings.get_meeting(self.bot.db, row.guild_id, row.meeting_id)
        if meeting is None or meeting.status is MeetingStatus.CANCELLED:
            return Outcome.cancelled("meeting cancelled")
        if not self.relevant(meeting, self.bot.clock()):
            return Outcome.skipped("too late: the meeting had begun or its moment had passed")
        return await self.deliver_for(row, meeting)

    @abc.abstractmethod
    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        """Deliver for a meeting that is still planned and for which the round still makes sense."""


async def arm_open(bot: MikroVirkBot, meeting_id: int, kind: RoundKind) -> None:
    """Set the timers of the meeting's open rows of ``kind`` (a notice just written with a change, due at once)."""
    for row in await rounds.for_meeting(bot.db, meeting_id):
        if row.kind is kind and not row.state.finished:
            bot.rounds.arm(row)


# What the organisers read once a fan-out of each kind is done (title, sent, refused, failed).
REPORT_KEYS = {
    RoundKind.MANUAL_REMINDER: msgkey("meeting.reminded"),
    RoundKind.CHANGE_NOTICE: msgkey("meeting.moved_report"),
    RoundKind.CANCEL_NOTICE: msgkey("meeting.cancelled_report"),
}


class FanOutReport(RoundHandler):
    """The organisers hear how a fan-out went (:meth:`RoundHandler.report_deliveries` writes the round)."""

    kind = RoundKind.FAN_OUT_REPORT

    async def deliver(self, row: Round) -> Outcome:
        fan_out = await rounds.get(self.bot.db, int(row.subject))
        assert fan_out is not None and fan_out.meeting_id is not None
        meeting = await meetings.get_meeting(self.bot.db, fan_out.guild_id, fan_out.meeting_id)
        if meeting is None:
            return Outcome.skipped("meeting deleted")
        counts = await rounds.delivery_counts(self.bot.db, fan_out.id)
        language = self.bot.config.network.language
        await self.tell_organisers(
            row,
            self.bot.catalogue.text(
                language,
                REPORT_KEYS[fan_out.kind],
                title=meeting_label(meeting, language, self.bot.catalogue),
                sent=counts[DeliveryState.SENT],
                refused=counts[DeliveryState.REFUSED],
                failed=counts[DeliveryState.FAILED],
            ),
        )
        return Outcome.sent()
