"""The announcement post and the Discord event that mirror each meeting."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import TYPE_CHECKING

import discord

from bot.coalesce import Coalescer
from bot.meetings import Meeting, MeetingStatus, checkin_open
from bot.render import FORMAT_KEYS, ProgramEntry, announcement_card, clip
from bot.rsvp import RSVP_EMOJIS
from cogs._embeds import card_embed
from cogs.meetings._views import CalendarButton, CheckInButton, GuestsButton
from db import meetings, program, rsvps, topics

if TYPE_CHECKING:
    from bot.client import MikroVirkBot

log = logging.getLogger(__name__)

# Discord's limits for scheduled events: name 100, description 1000, location 100 characters.
EVENT_NAME_MAX = 100
EVENT_DESCRIPTION_MAX = 1000
EVENT_LOCATION_MAX = 100


class Announcer:
    """Posts, edits (coalesced) and re-posts announcements, and keeps the Discord event in step."""

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot
        # Every announcement lives in one channel, whose edit limit (about 5 per 5 s) they share.
        self.edits: Coalescer[int] = Coalescer(self.refresh_now, group_of=lambda _meeting_id: "announcements")
        self._manage_messages_warned = False

    @property
    def channel(self) -> discord.abc.Messageable:
        return self.bot.get_partial_messageable(self.bot.config.discord.announcements_channel_id)

    async def render(self, meeting: Meeting) -> tuple[discord.Embed, discord.ui.View | None]:
        roster = await rsvps.roster(self.bot.db, meeting.id)
        entries = [
            ProgramEntry(slot.kind, slot.name, slot.topic) for slot in await program.confirmed(self.bot.db, meeting.id)
        ]
        language = self.bot.config.network.language
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
        channel = self.channel
        message = await channel.send(embed=embed, view=view) if view else await channel.send(embed=embed)
        await meetings.set_announcement(self.bot.db, meeting.id, message.channel.id, message.id, self.bot.clock())
        for emoji in RSVP_EMOJIS:
            await message.add_reaction(emoji)
        log.info("announcement posted", extra={"meeting_id": meeting.id, "message_id": message.id})
        refreshed = await meetings.get_meeting(self.bot.db, meeting.guild_id, meeting.id)
        assert refreshed is not None
        return refreshed

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

    async def remove_reaction(self, meeting: Meeting, emoji: str, user_id: int) -> None:
        """Take back a member's stale RSVP reaction; without Manage Messages the database alone keeps one state."""
        if meeting.announcement_message_id is None:
            return
        message = self.channel.get_partial_message(meeting.announcement_message_id)  # type: ignore[attr-defined]
        try:
            await message.remove_reaction(emoji, discord.Object(user_id))
        except discord.Forbidden:
            if not self._manage_messages_warned:
                self._manage_messages_warned = True
                log.warning("cannot remove members' reactions: the bot lacks Manage Messages")
        except discord.HTTPException:
            log.warning("could not remove a stale reaction", exc_info=True, extra={"meeting_id": meeting.id})

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
