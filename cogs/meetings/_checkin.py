"""Check-in: the announcement gets a Check in button an hour before a meeting and loses it when the meeting ends.

Two timed rounds refresh the announcement at those moments; attendance is the basis of the feedback poll's
audience, of no-show counts and of the season chart.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

import discord

from bot.client import MikroVirkBot
from bot.errors import UserFacingError
from bot.i18n import msgkey
from bot.meetings import CHECKIN_OPENS_BEFORE, Meeting, MeetingStatus, checkin_open
from bot.render import meeting_label, plain
from bot.rounds import Outcome, Round, RoundKind
from cogs._interactions import IdButton, answers_errors
from cogs._rounds import MeetingRound
from db import attendance, meetings

log = logging.getLogger(__name__)


class CheckInOpens(MeetingRound):
    kind = RoundKind.CHECKIN_OPEN

    def __init__(self, bot: MikroVirkBot, refresh: Callable[[int], Awaitable[None]]) -> None:
        super().__init__(bot)
        self.refresh = refresh

    def due(self, meeting: Meeting) -> datetime | None:
        return meeting.starts_at - CHECKIN_OPENS_BEFORE

    def relevant(self, meeting: Meeting, now: datetime) -> bool:
        return now < meeting.ends_at

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        # The post renders the button from the clock; a failed edit is retried by the runner.
        await self.refresh(meeting.id)
        return Outcome.sent()


class CheckInCloses(CheckInOpens):
    kind = RoundKind.CHECKIN_CLOSE

    def due(self, meeting: Meeting) -> datetime | None:
        return meeting.ends_at

    def relevant(self, meeting: Meeting, now: datetime) -> bool:
        return True


class CheckInButton(IdButton, template=r"mv:in:(?P<meeting_id>\d+)"):
    """On the announcement from an hour before a meeting until it ends: the member checks in."""

    def __init__(self, meeting_id: int, label: str = "") -> None:
        super().__init__(f"mv:in:{meeting_id}", label, emoji="📍", style=discord.ButtonStyle.success)
        self.meeting_id = meeting_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        bot = interaction.client
        language = bot.language_of(interaction)
        meeting = await meetings.get_meeting(bot.db, bot.config.discord.guild_id, self.meeting_id)
        if meeting is None or not checkin_open(meeting, bot.clock()):
            raise UserFacingError("checkin.errors.closed")
        new = await attendance.check_in(bot.db, meeting.id, interaction.user.id, "self", bot.clock())
        log.info("checked in", extra={"meeting_id": meeting.id, "user_id": interaction.user.id, "new": new})
        key = msgkey("checkin.done") if new else msgkey("checkin.already")
        title = meeting_label(meeting, language, bot.catalogue)
        await interaction.response.send_message(bot.catalogue.text(language, key, title=title), ephemeral=True)


async def check_in_member(
    interaction: discord.Interaction[MikroVirkBot], meeting: Meeting, member: discord.Member
) -> None:
    """An organiser marks a member as present, from an hour before the meeting on."""
    bot = interaction.client
    language = bot.language_of(interaction)
    if meeting.status is MeetingStatus.CANCELLED or meeting.starts_at - CHECKIN_OPENS_BEFORE > bot.clock():
        raise UserFacingError("checkin.errors.not_yet")
    new = await attendance.check_in(bot.db, meeting.id, member.id, "organiser", bot.clock())
    key = msgkey("checkin.marked") if new else msgkey("checkin.already_marked")
    await interaction.response.send_message(
        bot.catalogue.text(
            language, key, name=plain(member.display_name), title=meeting_label(meeting, language, bot.catalogue)
        ),
        ephemeral=True,
        allowed_mentions=discord.AllowedMentions.none(),
    )
