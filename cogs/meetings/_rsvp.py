"""RSVP by reactions: ✅ ❔ ❌ on the announcement, one answer per member, the waiting list, and reconciliation at
start with the reactions made while the bot was offline."""

from __future__ import annotations

import logging

import discord

from bot.client import MikroVirkBot
from bot.config import Language
from bot.meetings import Meeting, Window, closed_reason
from bot.render import meeting_label
from bot.rounds import Outcome, Round, RoundKind
from bot.rsvp import RSVP_EMOJIS, RsvpChange, RsvpState, choice_for_emoji, stale_reactions
from bot.services.dm import DmMessage
from cogs._rounds import MeetingRound, arm_open
from cogs.meetings._announce import Announcer
from db import meetings, privacy, rsvps, sends

log = logging.getLogger(__name__)


class PromotedNotice(MeetingRound):
    """Members moved up the waiting list hear it by DM. The round is written with the move (db.rsvps.promote_waiting),
    so it goes out once whatever happens to the answer of the button that freed the seat; not once the meeting has
    begun or is cancelled, nor to a member who answered otherwise since (the seat is no longer theirs)."""

    kind = RoundKind.PROMOTED

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        url = meeting.announcement_url or ""

        def compose(user_id: int, language: Language) -> DmMessage:
            title = meeting_label(meeting, language, self.bot.catalogue)
            return DmMessage(self.bot.catalogue.text(language, "rsvp.promoted", title=title, url=url))

        async def still_going(user_id: int) -> bool:
            return await rsvps.state_of(self.bot.db, meeting.id, user_id) is RsvpState.GOING

        await self.bot.dm.deliver(row.id, compose, still_owed=still_going)
        return Outcome.sent()


class WaitlistedNotice(MeetingRound):
    """A member put on the waiting list hears their place by DM. The round is written with the answer that put them
    there (db.rsvps), so a stop before the DM never loses it; the place is read when the DM goes out, and nothing goes
    out once the member left the list, or the meeting has begun or is cancelled."""

    kind = RoundKind.WAITLISTED

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        owed = await sends.undelivered(self.bot.db, row.id)
        if not owed:
            return Outcome.sent()  # resumed after the DM was recorded
        ((member_id, _in_doubt),) = owed  # the notice is written for the one member who answered
        place = await rsvps.place_to_tell(self.bot.db, meeting.id, member_id, row.id)
        if place is None:
            return Outcome.skipped("no longer on the waiting list, or told by a later notice")

        def compose(user_id: int, language: Language) -> DmMessage:
            title = meeting_label(meeting, language, self.bot.catalogue)
            return DmMessage(self.bot.catalogue.text(language, "rsvp.waitlisted", title=title, position=place))

        await self.bot.dm.deliver(row.id, compose)
        return Outcome.sent()


class Rsvps:
    def __init__(self, bot: MikroVirkBot, announcer: Announcer) -> None:
        self.bot = bot
        self.announcer = announcer

    @property
    def guild_id(self) -> int:
        return self.bot.config.discord.guild_id

    async def _rsvp_reaction(self, payload: discord.RawReactionActionEvent) -> tuple[Meeting, str] | None:
        """The meeting and RSVP emoji of a member's reaction on an announcement; guard clauses before any API call."""
        if payload.guild_id != self.guild_id or self.bot.user is None or payload.user_id == self.bot.user.id:
            return None
        if payload.emoji.id is not None or choice_for_emoji(payload.emoji.name or "") is None:
            return None
        if payload.member is not None and payload.member.bot:
            return None
        meeting = await meetings.meeting_for_announcement(self.bot.db, payload.message_id)
        if meeting is None:
            return None
        return meeting, payload.emoji.name or ""

    def _answers_closed(self, meeting: Meeting) -> bool:
        """Answers close when the meeting begins (bot.meetings.takes_answers): a later reaction changes nothing."""
        return closed_reason(meeting, self.bot.clock(), Window.BEFORE_START) is not None

    async def reaction_added(self, payload: discord.RawReactionActionEvent) -> None:
        found = await self._rsvp_reaction(payload)
        if found is None:
            return
        meeting, emoji = found
        if self._answers_closed(meeting):
            # The post keeps showing what was answered: a late reaction is taken back (where the bot may).
            self.announcer.remove_reaction(meeting, emoji, payload.user_id)
            return
        name = payload.member.display_name if payload.member is not None else None
        async with self.bot.locks(meeting.id):
            change = await rsvps.reaction_added(self.bot.db, meeting.id, payload.user_id, emoji, self.bot.clock(), name)
        self._log(meeting, change)
        await self.after_change(meeting, change)

    async def reaction_removed(self, payload: discord.RawReactionActionEvent) -> None:
        found = await self._rsvp_reaction(payload)
        if found is None or self._answers_closed(found[0]):
            return
        meeting, emoji = found
        async with self.bot.locks(meeting.id):
            change = await rsvps.reaction_removed(self.bot.db, meeting.id, payload.user_id, emoji, self.bot.clock())
        if change.changed:
            self._log(meeting, change)
        await self.after_change(meeting, change)

    @staticmethod
    def _log(meeting: Meeting, change: RsvpChange) -> None:
        log.info(
            "rsvp",
            extra={"meeting_id": meeting.id, "user_id": change.user_id, "before": change.before, "after": change.after},
        )

    async def after_change(self, meeting: Meeting, change: RsvpChange) -> None:
        """The post, the member's stale reaction, and the timers of the notices written with the change: to whoever
        moved onto or up the waiting list."""
        if not change.changed:
            return
        self.announcer.request_refresh(meeting.id)
        if change.stale_emoji:
            self.announcer.remove_reaction(meeting, change.stale_emoji, change.user_id)
        if change.after is RsvpState.WAITING:
            await arm_open(self.bot, meeting.id, RoundKind.WAITLISTED)
        if change.promoted:
            await arm_open(self.bot, meeting.id, RoundKind.PROMOTED)

    # -- reconciliation at start ------------------------------------------------------------------------------------

    async def _reactions_on(self, message: discord.Message) -> tuple[set[tuple[int, str]], dict[int, str]]:
        """Every member's RSVP reaction on the message (paged, 100 users per request), and their names."""
        me = self.bot.user.id if self.bot.user else 0
        seen: set[tuple[int, str]] = set()
        names: dict[int, str] = {}
        for reaction in message.reactions:
            emoji = str(reaction.emoji)
            if emoji not in RSVP_EMOJIS:
                continue
            async for user in reaction.users(limit=None):
                if user.id != me and not user.bot:
                    seen.add((user.id, emoji))
                    names[user.id] = user.display_name
        return seen, names

    async def reconcile(self, meeting: Meeting) -> None:
        """Bring one post in line with the database and with the reactions made while the bot was offline."""
        assert meeting.announcement_message_id is not None
        channel = self.bot.get_channel(
            meeting.announcement_channel_id or self.bot.config.discord.announcements_channel_id
        )
        if not isinstance(channel, discord.TextChannel):
            log.warning("announcement channel unavailable", extra={"meeting_id": meeting.id})
            return
        try:
            message = await channel.fetch_message(meeting.announcement_message_id)
        except discord.NotFound:
            await self.announcer.repost(meeting)
            return
        actual, names = await self._reactions_on(message)
        # Reactions of members who left, or were erased after the post went up, are not answers to learn back.
        guild = message.guild
        erased = await privacy.erased_since_posted(
            self.bot.db, meeting.guild_id, meeting.id, {user_id for user_id, _ in actual}
        )
        actual = {
            (user_id, emoji)
            for user_id, emoji in actual
            if user_id not in erased and (guild is None or not guild.chunked or guild.get_member(user_id) is not None)
        }
        observed = await rsvps.observed_reactions(self.bot.db, meeting.id)
        now = self.bot.clock()
        changes: list[RsvpChange] = []
        for user_id, emoji in sorted(observed - actual):
            changes.append(await rsvps.reaction_removed(self.bot.db, meeting.id, user_id, emoji, now))
        for user_id, emoji in sorted(actual - observed, key=lambda item: (item[0], RSVP_EMOJIS.index(item[1]))):
            changes.append(await rsvps.reaction_added(self.bot.db, meeting.id, user_id, emoji, now, names.get(user_id)))
        missing_own = [
            emoji for emoji in RSVP_EMOJIS if not any(str(r.emoji) == emoji and r.me for r in message.reactions)
        ]
        await self.announcer.add_answer_reactions(meeting.id, message, missing_own)
        for change in changes:
            await self.after_change(meeting, change)
        # Two answers under one name: the stored answer decides, the other reaction goes.
        for user_id, emoji in stale_reactions(actual, await rsvps.states(self.bot.db, meeting.id)):
            self.announcer.remove_reaction(meeting, emoji, user_id)
        await self.announcer.refresh_now(meeting.id)
        if meeting.scheduled_event_id is None:
            await self.announcer.try_sync_event(meeting)
        log.info(
            "announcement reconciled",
            extra={"meeting_id": meeting.id, "removed": len(observed - actual), "added": len(actual - observed)},
        )
