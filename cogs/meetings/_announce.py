"""The announcement post and the Discord event that mirror each meeting."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING

import discord

from bot.coalesce import Coalescer
from bot.meetings import Meeting, MeetingStatus, checkin_open
from bot.profiles import business_line
from bot.program import SlotKind
from bot.render import FORMAT_KEYS, ProgramEntry, announcement_card, clip
from bot.rsvp import RSVP_EMOJIS, emoji_for_state
from bot.services.once import send_once
from bot.services.rounds import describe
from cogs._embeds import card_embed
from cogs.meetings._checkin import CheckInButton
from cogs.meetings._guests import CalendarButton, GuestsButton
from db import meetings, profiles, program, rsvps, topics

if TYPE_CHECKING:
    from bot.client import MikroVirkBot

log = logging.getLogger(__name__)

# Discord's limits for scheduled events: name 100, description 1000, location 100 characters.
EVENT_NAME_MAX = 100
EVENT_DESCRIPTION_MAX = 1000
EVENT_LOCATION_MAX = 100
# At shutdown the reaction removals still queued get this long to go out; the next start's reconciliation takes the
# rest back (the database keeps each member's one answer either way).
REMOVALS_SHUTDOWN_GRACE = 2.0
# A removal Discord refuses for a moment (5xx, a burst of 429s) is tried this often, 1 s and then 2 s apart.
REMOVAL_ATTEMPTS = 3
REMOVAL_BACKOFF_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Removal:
    """A member's stale RSVP reaction on an announcement, to take back."""

    meeting_id: int
    channel_id: int
    message_id: int
    emoji: str
    user_id: int

    @property
    def key(self) -> tuple[int, str, int]:
        return self.message_id, self.emoji, self.user_id


class ReactionRemovals:
    """Takes back stale reactions one at a time per channel, in the order asked, each one once.

    Reaction requests share one rate-limit bucket per channel (1 per 0.25 s in the emulator's model of Discord).
    Awaited inside each reaction handler, a burst of answer changes left hundreds of removals waiting on that one
    discord.py bucket at once, and now and then two left in the same window (a 429 1–2 ms after an accepted
    removal). One at a time, each removal waits for discord.py, which reads ``X-RateLimit-Remaining`` /
    ``Reset-After`` and holds the next request until the window allows it. The same reaction asked twice while
    queued is removed once, and none is removed that is the member's answer again by the time its turn comes.
    """

    def __init__(self, remove: Callable[[Removal], Awaitable[None]]) -> None:
        self._remove = remove
        self._queues: dict[int, dict[tuple[int, str, int], Removal]] = {}  # channel id → removals, oldest first
        self._workers: dict[int, asyncio.Task[None]] = {}

    def request(self, removal: Removal) -> None:
        queue = self._queues.setdefault(removal.channel_id, {})
        queue.setdefault(removal.key, removal)
        if removal.channel_id not in self._workers:
            # Named like the coalesced edits, so a bot killed in the tests takes the worker down with it.
            self._workers[removal.channel_id] = asyncio.get_running_loop().create_task(
                self._work(removal.channel_id), name=f"coalesce:reactions:{removal.channel_id}"
            )

    @property
    def pending(self) -> bool:
        return bool(self._workers)

    @property
    def queued(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    async def _work(self, channel_id: int) -> None:
        queue = self._queues[channel_id]
        try:
            while queue:
                key = next(iter(queue))
                removal = queue.pop(key)
                try:
                    await self._remove(removal)
                except Exception:
                    log.exception("reaction removal failed", extra={"meeting_id": removal.meeting_id})
        finally:
            # No await between the loop's last check and here, so a request cannot slip in unnoticed.
            self._workers.pop(channel_id, None)
            if not queue:
                self._queues.pop(channel_id, None)

    async def drain(self) -> None:
        """Wait until every queued removal has been sent (tests, shutdown); cancelling the wait leaves them going."""
        while self._workers:
            await asyncio.wait(set(self._workers.values()))

    async def close(self, grace: float = REMOVALS_SHUTDOWN_GRACE) -> None:
        """Let the queue finish within ``grace`` seconds, then drop what is left."""
        try:
            await asyncio.wait_for(self.drain(), timeout=grace)
        except TimeoutError:
            log.warning("stale reactions left at shutdown", extra={"count": self.queued})
        workers = list(self._workers.values())
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self._workers.clear()
        self._queues.clear()


class PostWork:
    """What the bot still owes the announcement posts: coalesced embed edits and paced reaction removals.

    ``pending``, ``drain`` and ``close`` cover both, so whoever waits for the posts to be up to date (shutdown, the
    tests' settle) waits for the removals too.
    """

    def __init__(self, edits: Coalescer[int], removals: ReactionRemovals) -> None:
        self.edits = edits
        self.removals = removals

    def request(self, meeting_id: int) -> None:
        self.edits.request(meeting_id)

    @property
    def pending(self) -> bool:
        return self.edits.pending or self.removals.pending

    async def drain(self) -> None:
        while self.pending:
            await self.removals.drain()
            await self.edits.drain()

    async def close(self) -> None:
        await self.removals.close()
        await self.edits.close()


class Announcer:
    """Posts, edits (coalesced) and re-posts announcements, and keeps the Discord event in step."""

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot
        # Every announcement lives in one channel, whose edit limit (about 5 per 5 s) they share; its reaction limit
        # (removals of stale answers) is paced by one queue per channel.
        self.removals = ReactionRemovals(self._take_back)
        edits = Coalescer(
            self.refresh_now, group_of=lambda _meeting_id: "announcements", expected=(discord.HTTPException,)
        )
        self.edits = PostWork(edits, self.removals)
        self._manage_messages_warned = False

    @property
    def channel(self) -> discord.abc.Messageable:
        return self.bot.get_partial_messageable(self.bot.config.discord.announcements_channel_id)

    async def render(self, meeting: Meeting) -> tuple[discord.Embed, discord.ui.View | None]:
        roster = await rsvps.roster(self.bot.db, meeting.id)
        language = self.bot.config.network.language
        slots = await program.confirmed(self.bot.db, meeting.id)
        # A newcomer who has a profile presents with their business and trade.
        intros = [slot.user_id for slot in slots if slot.kind is SlotKind.INTRO]
        businesses = await profiles.of_members(self.bot.db, meeting.guild_id, intros)
        entries = []
        for slot in slots:
            business = businesses.get(slot.user_id)
            topic = slot.topic or (business_line(business, language, self.bot.catalogue) if business else None)
            entries.append(ProgramEntry(slot.kind, slot.name, topic))
        wanted = await topics.planned_for(self.bot.db, meeting.id)
        embed = card_embed(announcement_card(meeting, roster, entries, language, self.bot.catalogue, wanted))
        if meeting.status is MeetingStatus.CANCELLED:
            return embed, None
        view = discord.ui.View(timeout=None)
        if checkin_open(meeting, self.bot.clock()):
            view.add_item(CheckInButton(meeting.id, self.bot.public_text("announcement.button_checkin")))
        view.add_item(CalendarButton(meeting.id, self.bot.public_text("announcement.button_calendar")))
        view.add_item(GuestsButton(meeting.id, self.bot.public_text("announcement.button_guests")))
        return embed, view

    async def post(self, meeting: Meeting) -> Meeting:
        """Post the announcement with its ✅ ❔ ❌ reactions and remember where it is."""
        embed, view = await self.render(meeting)
        bot = self.bot

        async def mark(_channel_id: int, fingerprint: str) -> None:
            await meetings.mark_announcement(bot.db, meeting.id, fingerprint, bot.clock())

        in_doubt = await meetings.announcement_in_doubt(bot.db, meeting.id)
        kwargs = {"embed": embed} if view is None else {"embed": embed, "view": view}
        message = await send_once(bot, self.channel, in_doubt, mark, **kwargs)
        await meetings.set_announcement(bot.db, meeting.id, message.channel.id, message.id, bot.clock())
        log.info("announcement posted", extra={"meeting_id": meeting.id, "message_id": message.id})
        await self.add_answer_reactions(meeting.id, message, RSVP_EMOJIS)
        refreshed = await meetings.get_meeting(self.bot.db, meeting.guild_id, meeting.id)
        assert refreshed is not None
        return refreshed

    async def add_answer_reactions(self, meeting_id: int, message: discord.Message, emojis: Iterable[str]) -> None:
        """Put the bot's ✅ ❔ ❌ under a post. They only show members where to click, so a refusal is logged and
        never undoes the post: members can still react, and the next start adds the ones missing."""
        try:
            for emoji in emojis:
                await message.add_reaction(emoji)
        except discord.HTTPException as error:
            log.warning(
                "could not add the answer reactions", extra={"meeting_id": meeting_id, "error": describe(error)}
            )

    def request_refresh(self, meeting_id: int) -> None:
        self.edits.request(meeting_id)

    async def refresh_now(self, meeting_id: int) -> None:
        meeting = await meetings.get_meeting(self.bot.db, self.bot.config.discord.guild_id, meeting_id)
        if meeting is None or meeting.announcement_message_id is None:
            return
        embed, view = await self.render(meeting)
        message = self.channel.get_partial_message(meeting.announcement_message_id)  # type: ignore[attr-defined]
        try:
            await message.edit(embed=embed, view=view)
        except discord.NotFound:
            log.warning("announcement missing, posting it again", extra={"meeting_id": meeting_id})
            await self.repost(meeting)

    async def repost(self, meeting: Meeting) -> Meeting:
        """Post a deleted announcement again; answers are kept, and organisers are told why it reappeared."""
        await rsvps.forget_observed_reactions(self.bot.db, meeting.id)
        posted = await self.post(meeting)
        url = posted.announcement_url
        await self.bot.notify_organisers(self.bot.public_text("announcement.reposted", url=url or ""))
        return posted

    def remove_reaction(self, meeting: Meeting, emoji: str, user_id: int) -> None:
        """Queue taking back a member's stale RSVP reaction; without Manage Messages the database alone keeps one
        state. Removals go out one at a time, paced by the reaction limit Discord reports (see ReactionRemovals)."""
        if meeting.announcement_message_id is None:
            return
        channel_id = meeting.announcement_channel_id or self.bot.config.discord.announcements_channel_id
        self.removals.request(Removal(meeting.id, channel_id, meeting.announcement_message_id, emoji, user_id))

    async def _take_back(self, removal: Removal) -> None:
        """Remove one queued reaction, unless the member's answer uses that emoji again by now."""
        state = await rsvps.state_of(self.bot.db, removal.meeting_id, removal.user_id)
        if state is not None and emoji_for_state(state) == removal.emoji:
            log.debug("stale reaction is the answer again, kept", extra={"meeting_id": removal.meeting_id})
            return
        channel = self.bot.get_partial_messageable(removal.channel_id)
        message = channel.get_partial_message(removal.message_id)
        for attempt in range(REMOVAL_ATTEMPTS):
            try:
                await message.remove_reaction(removal.emoji, discord.Object(removal.user_id))
                return
            except discord.Forbidden:
                if not self._manage_messages_warned:
                    self._manage_messages_warned = True
                    log.warning("cannot remove members' reactions: the bot lacks Manage Messages")
                return
            except discord.NotFound:
                return  # the post is gone; reconciliation posts it again with the answers
            except discord.HTTPException as error:
                if attempt == REMOVAL_ATTEMPTS - 1:
                    # The next start's reconciliation takes it back: it compares the reactions with the answers.
                    log.warning(
                        "could not remove a stale reaction",
                        extra={"meeting_id": removal.meeting_id, "error": describe(error)},
                    )
                    return
                await asyncio.sleep(REMOVAL_BACKOFF_SECONDS * 2**attempt)

    # -- the Discord event mirroring the meeting --------------------------------------------------------------------

    def _event_texts(self, meeting: Meeting) -> tuple[str, str | None, str]:
        """The event's name, description (None when there is nothing to say) and location, within Discord's limits."""
        language = self.bot.config.network.language
        format_name = self.bot.catalogue.text(language, FORMAT_KEYS[meeting.format])
        name = f"{self.bot.config.network.name} {format_name}"
        if meeting.topic:
            name += f": {meeting.topic}"
        details = "\n".join(part for part in (meeting.speaker, meeting.description) if part)
        return (
            clip(name, EVENT_NAME_MAX),
            clip(details, EVENT_DESCRIPTION_MAX) if details else None,
            clip(meeting.venue, EVENT_LOCATION_MAX),
        )

    async def sync_event(self, meeting: Meeting) -> None:
        """Make the external Discord event tell the truth about the meeting; Discord errors are raised for a retry.

        Discord moves an event by its own clock (SCHEDULED → ACTIVE at the start, → COMPLETED at the end) and allows
        only SCHEDULED → ACTIVE, ACTIVE → COMPLETED and SCHEDULED → CANCELED. So a cancelled meeting cancels a
        scheduled event and ends a running one; a meeting moved while its event runs ends that event and gets a new
        one; an event Discord already finished is left alone.
        """
        guild = self.bot.get_guild(meeting.guild_id)
        if guild is None:
            return
        event = await self._fetch_event(guild, meeting)
        if event is not None and meeting.status is MeetingStatus.CANCELLED:
            await self._stop(event)
            return
        if event is not None and event.status is discord.EventStatus.active and event.start_time != meeting.starts_at:
            await event.end()
            event = None
        if event is not None and event.status in (discord.EventStatus.completed, discord.EventStatus.canceled):
            event = None
        if meeting.status is MeetingStatus.CANCELLED:
            return
        name, description, location = self._event_texts(meeting)
        details = description or discord.utils.MISSING  # Discord takes 1-1000 characters or no field at all
        if event is None:
            if meeting.starts_at <= self.bot.clock():
                return  # Discord refuses an event that starts in the past
            created = await guild.create_scheduled_event(
                name=name,
                start_time=meeting.starts_at.astimezone(UTC),
                end_time=meeting.ends_at.astimezone(UTC),
                entity_type=discord.EntityType.external,
                privacy_level=discord.PrivacyLevel.guild_only,
                location=location,
                description=details,
            )
            await meetings.set_scheduled_event(self.bot.db, meeting.id, created.id, self.bot.clock())
            log.info("event created", extra={"meeting_id": meeting.id, "event_id": created.id})
        elif event.status is discord.EventStatus.active:
            # A running event keeps its start; the rest may still change.
            await event.edit(
                name=name, end_time=meeting.ends_at.astimezone(UTC), location=location, description=details
            )
        else:
            await event.edit(
                name=name,
                start_time=meeting.starts_at.astimezone(UTC),
                end_time=meeting.ends_at.astimezone(UTC),
                location=location,
                description=details,
            )

    async def _fetch_event(self, guild: discord.Guild, meeting: Meeting) -> discord.ScheduledEvent | None:
        if meeting.scheduled_event_id is None:
            return None
        try:
            return await guild.fetch_scheduled_event(meeting.scheduled_event_id)
        except discord.NotFound:
            await meetings.set_scheduled_event(self.bot.db, meeting.id, None, self.bot.clock())
            return None

    async def _stop(self, event: discord.ScheduledEvent) -> None:
        if event.status is discord.EventStatus.scheduled:
            await event.cancel()
        elif event.status is discord.EventStatus.active:
            await event.end()
        log.info("event stopped", extra={"event_id": event.id, "was": event.status.name})

    async def try_sync_event(self, meeting: Meeting) -> None:
        """Sync the event where a failure can wait for the next start (a new meeting's first event)."""
        try:
            await self.sync_event(meeting)
        except discord.HTTPException:
            log.warning(
                "could not mirror the meeting as a Discord event", exc_info=True, extra={"meeting_id": meeting.id}
            )
