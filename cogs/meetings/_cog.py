"""Meetings: organisers plan them, members answer with reactions, the announcement tells who is coming."""

from __future__ import annotations

import asyncio
import io
import logging
import weakref
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Choice, Range
from discord.ext import commands

from bot.checks import organiser_only
from bot.client import MikroVirkBot
from bot.config import Language
from bot.dates import DateInputError, DateProblem, meeting_instant, parse_date
from bot.errors import UserFacingError
from bot.exports import attendees_csv, meetings_ics
from bot.i18n import msgkey
from bot.meetings import (
    CHECKIN_OPENS_BEFORE,
    Meeting,
    MeetingFormat,
    MeetingStatus,
    checkin_open,
    members_must_hear,
)
from bot.planning import MAX_SEASON_MONTHS, PlannedMeeting, plan_season, weekday_rule_of
from bot.render import FORMAT_KEYS, clip, local_date, meeting_card, meeting_label, names_within
from bot.rounds import RoundKind
from bot.rsvp import RSVP_EMOJIS, RsvpChange, RsvpState, choice_for_emoji, emoji_for_state
from bot.services.dm import DmMessage
from bot.services.rounds import RoundHandler
from bot.translator import command_text
from cogs._embeds import BRAND_COLOUR, card_embed
from cogs._interactions import clean_text
from cogs.meetings._announce import Announcer
from cogs.meetings._checkin import CheckInCloses, CheckInOpens
from cogs.meetings._notices import CancelNotice, ChangeNotice, EventSync, answered
from cogs.meetings._still_coming import StillComing
from cogs.meetings._views import AddGuestButton, GuestModal, PlanConfirmation, RemoveGuestButton
from db import attendance, meetings, rsvps

log = logging.getLogger(__name__)

# Text limits that keep every field within Discord's embed limits (field value 1024, description 4096).
TOPIC_MAX = 200
SPEAKER_MAX = 100
VENUE_MAX = 100
DESCRIPTION_MAX = 1000
REASON_MAX = 500
CAPACITY_MAX = 1000

DATE_PROBLEM_KEYS = {
    DateProblem.UNREADABLE_DATE: msgkey("meeting.errors.unreadable_date"),
    DateProblem.UNREADABLE_TIME: msgkey("meeting.errors.unreadable_time"),
    DateProblem.NO_SUCH_DATE: msgkey("meeting.errors.no_such_date"),
    DateProblem.PAST: msgkey("meeting.errors.past"),
    DateProblem.TOO_FAR: msgkey("meeting.errors.too_far"),
    DateProblem.NONEXISTENT_TIME: msgkey("meeting.errors.nonexistent_time"),
}
STATE_LABEL_KEYS = {
    None: msgkey("meeting.your_answer_none"),
    RsvpState.GOING: msgkey("meeting.your_answer_going"),
    RsvpState.MAYBE: msgkey("meeting.your_answer_maybe"),
    RsvpState.NOT_GOING: msgkey("meeting.your_answer_not_going"),
    RsvpState.WAITING: msgkey("meeting.your_answer_waiting"),
}
FORMAT_CHOICES = [
    Choice(name=command_text("meeting.format.tools"), value=MeetingFormat.TOOLS.value),
    Choice(name=command_text("meeting.format.growth"), value=MeetingFormat.GROWTH.value),
]


@dataclass(frozen=True, slots=True)
class MeetingTexts:
    venue: str | None
    topic: str | None
    speaker: str | None
    description: str | None


def date_error(error: DateInputError) -> UserFacingError:
    return UserFacingError(DATE_PROBLEM_KEYS[error.problem], typed=error.text)


class Meetings(commands.Cog):
    meeting = app_commands.Group(name="meeting", description=command_text("cmd.meeting.description"), guild_only=True)

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot
        self.announcer = Announcer(bot)
        self.dm = bot.dm
        self.still_coming = StillComing(bot, self)
        self.rounds: tuple[RoundHandler, ...] = (
            self.still_coming,
            CheckInOpens(bot, self.announcer),
            CheckInCloses(bot, self.announcer),
            EventSync(bot, self.announcer),
            ChangeNotice(bot, self.announcer),
            CancelNotice(bot, self.announcer),
        )
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        self._background: set[asyncio.Task[Any]] = set()
        self._reconciled = False

    async def cog_unload(self) -> None:
        await self.announcer.edits.close()
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    # -- helpers ----------------------------------------------------------------------------------------------------

    def lock(self, meeting_id: int) -> asyncio.Lock:
        lock = self._locks.get(meeting_id)
        if lock is None:
            lock = self._locks[meeting_id] = asyncio.Lock()
        return lock

    def _spawn(self, coro: Awaitable[Any], name: str) -> None:
        """Background work (DMs) keeps a reference and logs its failure, never fire-and-forget."""

        async def runner() -> None:
            try:
                await coro
            except Exception:
                log.exception("background task failed", extra={"task": name})

        task = asyncio.get_running_loop().create_task(runner(), name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Wait for pending announcement edits, queued reaction removals and background DMs (tests and shutdown)."""
        while self._background or self.announcer.edits.pending:
            await asyncio.gather(*self._background, return_exceptions=True)
            await self.announcer.edits.drain()

    @property
    def guild_id(self) -> int:
        return self.bot.config.discord.guild_id

    def _language(self, interaction: discord.Interaction[Any]) -> Language:
        return self.bot.language_of(interaction)

    def _text(self, language: Language, key: str, /, **params: object) -> str:
        return self.bot.catalogue.text(language, key, **params)

    async def meeting_option(self, value: str, *, coming_only: bool = True) -> Meeting:
        """The meeting an autocomplete option names; anything else is an unknown meeting."""
        meeting = None
        if value.strip().isdigit():
            meeting = await meetings.get_meeting(self.bot.db, self.guild_id, int(value.strip()))
        if meeting is None:
            raise UserFacingError("meeting.errors.unknown_meeting", typed=clip(value, 50))
        if coming_only and (meeting.status is MeetingStatus.CANCELLED or meeting.ends_at <= self.bot.clock()):
            raise UserFacingError(
                "meeting.errors.not_coming", title=self.label(meeting, self.bot.config.network.language)
            )
        return meeting

    def label(self, meeting: Meeting, language: Language) -> str:
        return meeting_label(meeting, language, self.bot.catalogue)

    async def meeting_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        language = self._language(interaction)
        coming = await meetings.coming_meetings(self.bot.db, self.guild_id, self.bot.clock())
        wanted = current.strip().lower()
        labels = [(meeting, self.label(meeting, language)) for meeting in coming]
        return [Choice(name=label, value=str(meeting.id)) for meeting, label in labels if wanted in label.lower()][:25]

    # -- members: next, list, calendar, guests ----------------------------------------------------------------------

    @meeting.command(name="next", description=command_text("cmd.meeting.next.description"))
    async def next_meeting(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        language = self._language(interaction)
        meeting = await meetings.next_meeting(self.bot.db, self.guild_id, self.bot.clock())
        if meeting is None:
            await interaction.response.send_message(self._text(language, "meeting.next.none"), ephemeral=True)
            return
        state = await rsvps.state_of(self.bot.db, meeting.id, interaction.user.id)
        lines = [self._text(language, "meeting.next.heading"), self._text(language, STATE_LABEL_KEYS[state])]
        url = meeting.announcement_url
        if url:
            lines.append(self._text(language, "meeting.answer_on_post", url=url))
        card = meeting_card(meeting, language, self.bot.catalogue)
        await interaction.response.send_message("\n".join(lines), embed=card_embed(card), ephemeral=True)

    @meeting.command(name="list", description=command_text("cmd.meeting.list.description"))
    async def list_meetings(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        language = self._language(interaction)
        coming = await meetings.coming_meetings(self.bot.db, self.guild_id, self.bot.clock(), limit=12)
        if not coming:
            await interaction.response.send_message(self._text(language, "meeting.next.none"), ephemeral=True)
            return
        lines = []
        for meeting in coming:
            state = await rsvps.state_of(self.bot.db, meeting.id, interaction.user.id)
            answer = emoji_for_state(state) if state else "▫️"
            url = meeting.announcement_url
            label = self.label(meeting, language)
            lines.append(f"{answer} [{label}]({url})" if url else f"{answer} {label}")
        embed = discord.Embed(
            title=self._text(language, "meeting.list.title"),
            description=clip("\n".join(lines), 4096),
            colour=BRAND_COLOUR,
        )
        embed.set_footer(text=self._text(language, "meeting.list.footer"))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    async def send_calendar_entry(self, interaction: discord.Interaction[Any], meeting_id: int) -> None:
        language = self._language(interaction)
        meeting = await meetings.get_meeting(self.bot.db, self.guild_id, meeting_id)
        if meeting is None:
            raise UserFacingError("meeting.errors.gone")
        data = meetings_ics([meeting], self.bot.config.network.name, language, self.bot.catalogue, self.bot.clock())
        await interaction.response.send_message(
            self._text(language, "meeting.calendar.one"),
            file=discord.File(io.BytesIO(data), filename=f"mikrovirk-{meeting.local_start:%Y-%m-%d}.ics"),
            ephemeral=True,
        )

    async def _open_meeting(self, meeting_id: int) -> Meeting:
        meeting = await meetings.get_meeting(self.bot.db, self.guild_id, meeting_id)
        if meeting is None:
            raise UserFacingError("meeting.errors.gone")
        if meeting.status is MeetingStatus.CANCELLED:
            raise UserFacingError("meeting.errors.cancelled")
        if meeting.starts_at <= self.bot.clock():
            raise UserFacingError("meeting.errors.started")
        return meeting

    def _guest_modal(self, language: Language, meeting_id: int) -> GuestModal:
        return GuestModal(
            meeting_id,
            self._text(language, "guests.modal_title"),
            self._text(language, "guests.name_label"),
            self._text(language, "guests.business_label"),
        )

    async def open_guests(self, interaction: discord.Interaction[Any], meeting_id: int) -> None:
        """First guest: straight to the form. Otherwise: the member's guests, with add and remove buttons."""
        language = self._language(interaction)
        await self._open_meeting(meeting_id)
        guests = await rsvps.guests_of(self.bot.db, meeting_id, interaction.user.id)
        if not guests:
            await interaction.response.send_modal(self._guest_modal(language, meeting_id))
            return
        await self._show_guests(interaction, language, meeting_id)

    async def _show_guests(
        self, interaction: discord.Interaction[Any], language: Language, meeting_id: int, notice: str | None = None
    ) -> None:
        guests = await rsvps.guests_of(self.bot.db, meeting_id, interaction.user.id)
        view = discord.ui.View(timeout=None)
        view.add_item(AddGuestButton(meeting_id, self._text(language, "guests.add_button")))
        for guest in guests[:20]:
            view.add_item(
                RemoveGuestButton(guest.id, clip(self._text(language, "guests.remove_button", name=guest.name), 80))
            )
        listing = "\n".join(f"• {guest.name}" + (f" ({guest.business})" if guest.business else "") for guest in guests)
        content = (
            self._text(language, "guests.yours", guests=listing) if guests else self._text(language, "guests.none")
        )
        if notice:
            content = f"{notice}\n\n{content}"
        await interaction.response.send_message(
            content, view=view, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

    async def ask_for_guest(self, interaction: discord.Interaction[Any], meeting_id: int) -> None:
        await self._open_meeting(meeting_id)
        await interaction.response.send_modal(self._guest_modal(self._language(interaction), meeting_id))

    async def add_guest(
        self, interaction: discord.Interaction[Any], meeting_id: int, name: str, business: str | None
    ) -> None:
        language = self._language(interaction)
        await self._open_meeting(meeting_id)
        guest_name = clean_text(name, 80, self._text(language, "guests.name_label"))
        guest_business = (
            clean_text(business, 100, self._text(language, "guests.business_label"))
            if business and business.strip()
            else None
        )
        assert guest_name is not None
        try:
            async with self.lock(meeting_id):
                await rsvps.add_guest(
                    self.bot.db, meeting_id, interaction.user.id, guest_name, guest_business, self.bot.clock()
                )
        except rsvps.MeetingFull:
            raise UserFacingError("guests.full") from None
        log.info("guest added", extra={"meeting_id": meeting_id, "user_id": interaction.user.id})
        self.announcer.request_refresh(meeting_id)
        await self._show_guests(
            interaction, language, meeting_id, self._text(language, "guests.added", name=guest_name)
        )

    async def remove_guest(self, interaction: discord.Interaction[Any], guest_id: int) -> None:
        language = self._language(interaction)
        guest, promoted = await rsvps.remove_guest(self.bot.db, guest_id, interaction.user.id, self.bot.clock())
        if guest is None:
            raise UserFacingError("guests.not_yours")
        log.info("guest removed", extra={"meeting_id": guest.meeting_id, "user_id": interaction.user.id})
        self.announcer.request_refresh(guest.meeting_id)
        if promoted:
            meeting = await meetings.get_meeting(self.bot.db, self.guild_id, guest.meeting_id)
            if meeting is not None:
                self._spawn(self._tell_promoted(meeting, promoted), "dm-promoted")
        await interaction.response.edit_message(
            content=self._text(language, "guests.removed", name=guest.name),
            view=None,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    # -- RSVP by reactions ------------------------------------------------------------------------------------------

    async def _answerable(self, payload: discord.RawReactionActionEvent) -> tuple[Meeting, str] | None:
        """The meeting and RSVP emoji of a reaction worth handling; guard clauses before any API call."""
        if payload.guild_id != self.guild_id or self.bot.user is None or payload.user_id == self.bot.user.id:
            return None
        if payload.emoji.id is not None or choice_for_emoji(payload.emoji.name or "") is None:
            return None
        if payload.member is not None and payload.member.bot:
            return None
        meeting = await meetings.meeting_for_announcement(self.bot.db, payload.message_id)
        if meeting is None or meeting.status is MeetingStatus.CANCELLED or meeting.ends_at <= self.bot.clock():
            return None
        return meeting, payload.emoji.name or ""

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        found = await self._answerable(payload)
        if found is None:
            return
        meeting, emoji = found
        name = payload.member.display_name if payload.member is not None else None
        async with self.lock(meeting.id):
            change = await rsvps.reaction_added(self.bot.db, meeting.id, payload.user_id, emoji, self.bot.clock(), name)
        log.info(
            "rsvp",
            extra={
                "meeting_id": meeting.id,
                "user_id": payload.user_id,
                "before": change.before,
                "after": change.after,
            },
        )
        await self.after_change(meeting, change)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        found = await self._answerable(payload)
        if found is None:
            return
        meeting, emoji = found
        async with self.lock(meeting.id):
            change = await rsvps.reaction_removed(self.bot.db, meeting.id, payload.user_id, emoji, self.bot.clock())
        if change.changed:
            log.info(
                "rsvp",
                extra={
                    "meeting_id": meeting.id,
                    "user_id": payload.user_id,
                    "before": change.before,
                    "after": change.after,
                },
            )
        await self.after_change(meeting, change)

    async def after_change(self, meeting: Meeting, change: RsvpChange) -> None:
        if not change.changed:
            return
        self.announcer.request_refresh(meeting.id)
        if change.stale_emoji:
            self.announcer.remove_reaction(meeting, change.stale_emoji, change.user_id)
        if change.after is RsvpState.WAITING and change.before is not RsvpState.WAITING:
            self._spawn(self._tell_waitlisted(meeting, change.user_id), "dm-waitlisted")
        if change.promoted:
            self._spawn(self._tell_promoted(meeting, change.promoted), "dm-promoted")

    async def _tell_waitlisted(self, meeting: Meeting, user_id: int) -> None:
        roster = await rsvps.roster(self.bot.db, meeting.id)
        position = next((index for index, item in enumerate(roster.waiting, 1) if item.user_id == user_id), 1)
        language = await self.dm.language_of(user_id)
        title = self.label(meeting, language)
        await self.dm.send(user_id, DmMessage(self._text(language, "rsvp.waitlisted", title=title, position=position)))

    async def _tell_promoted(self, meeting: Meeting, user_ids: tuple[int, ...]) -> None:
        url = meeting.announcement_url or ""

        def compose(user_id: int, language: Language) -> DmMessage:
            return DmMessage(self._text(language, "rsvp.promoted", title=self.label(meeting, language), url=url))

        await self.dm.fan_out(user_ids, compose)

    # -- reconciliation at start ------------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_network_ready(self) -> None:
        self._spawn(self.reconcile_all(), "reconcile")

    @commands.Cog.listener()
    async def on_announcement_outdated(self, meeting_id: int) -> None:
        """Another feature changed what the post shows (the program, a planned topic)."""
        self.announcer.request_refresh(meeting_id)

    async def reconcile_all(self) -> None:
        """Bring every coming meeting's post in line with the database and with reactions made while offline."""
        for meeting in await meetings.coming_meetings(self.bot.db, self.guild_id, self.bot.clock()):
            async with self.lock(meeting.id):
                await self.reconcile(meeting)
        self._reconciled = True
        log.info("announcements reconciled")
        # Rounds start after the posts agree with Discord, so a reminder counts reactions made while offline.
        await self.bot.rounds.start()

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
        if meeting.announcement_message_id is None:
            await self._publish(meeting)
            return
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
        for emoji in missing_own:
            await message.add_reaction(emoji)
        for change in changes:
            await self.after_change(meeting, change)
        await self.announcer.refresh_now(meeting.id)
        if meeting.scheduled_event_id is None:
            await self.announcer.try_sync_event(meeting)
        log.info(
            "announcement reconciled",
            extra={"meeting_id": meeting.id, "removed": len(observed - actual), "added": len(actual - observed)},
        )

    # -- organisers: create, plan, edit, cancel, attendees, calendar -------------------------------------------------

    @meeting.command(name="create", description=command_text("cmd.meeting.create.description"))
    @app_commands.describe(
        date=command_text("cmd.meeting.option_date"),
        format=command_text("cmd.meeting.option_format"),
        time=command_text("cmd.meeting.option_time"),
        topic=command_text("cmd.meeting.option_topic"),
        speaker=command_text("cmd.meeting.option_speaker"),
        venue=command_text("cmd.meeting.option_venue"),
        capacity=command_text("cmd.meeting.option_capacity"),
        description=command_text("cmd.meeting.option_description"),
    )
    @app_commands.choices(format=FORMAT_CHOICES)
    @organiser_only()
    async def create(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        date: Range[str, 1, 40],
        format: Choice[str],
        time: Range[str, 1, 20] | None = None,
        topic: Range[str, 1, TOPIC_MAX] | None = None,
        speaker: Range[str, 1, SPEAKER_MAX] | None = None,
        venue: Range[str, 1, VENUE_MAX] | None = None,
        capacity: Range[int, 1, CAPACITY_MAX] | None = None,
        description: Range[str, 1, DESCRIPTION_MAX] | None = None,
    ) -> None:
        language = self._language(interaction)
        network = self.bot.config.network
        try:
            starts_at = meeting_instant(date, time, network.default_start, network.timezone, self.bot.clock())
        except DateInputError as error:
            raise date_error(error) from None
        texts = self._meeting_texts(language, venue, topic, speaker, description)
        new = meetings.NewMeeting(
            guild_id=self.guild_id,
            starts_at=starts_at,
            timezone=network.timezone,
            format=MeetingFormat(format.value),
            venue=texts.venue or network.default_venue,
            topic=texts.topic,
            speaker=texts.speaker,
            description=texts.description,
            capacity=capacity,
            created_by=interaction.user.id,
            duration=self.bot.config.meetings.duration,
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        meeting = await meetings.create_meeting(self.bot.db, new, self.bot.clock())
        log.info("meeting created", extra={"meeting_id": meeting.id, "by": interaction.user.id})
        meeting = await self._publish(meeting)
        url = meeting.announcement_url
        key = msgkey("meeting.created") if url else msgkey("meeting.created_not_posted")
        await interaction.followup.send(
            self._text(language, key, title=self.label(meeting, language), url=url or ""), ephemeral=True
        )

    def _meeting_texts(
        self, language: Language, venue: str | None, topic: str | None, speaker: str | None, description: str | None
    ) -> MeetingTexts:
        """The organiser's texts, trimmed and checked against their limits (``None`` where not given)."""
        return MeetingTexts(
            venue=clean_text(venue, VENUE_MAX, self._text(language, "fields.venue")),
            topic=clean_text(topic, TOPIC_MAX, self._text(language, "fields.topic")),
            speaker=clean_text(speaker, SPEAKER_MAX, self._text(language, "fields.speaker")),
            description=clean_text(description, DESCRIPTION_MAX, self._text(language, "fields.description")),
        )

    async def _publish(self, meeting: Meeting) -> Meeting:
        """Announce and mirror a new meeting; a Discord failure leaves it for the next start to post."""
        try:
            meeting = await self.announcer.post(meeting)
        except discord.HTTPException:
            log.warning("could not post the announcement", exc_info=True, extra={"meeting_id": meeting.id})
            return meeting
        await self.announcer.try_sync_event(meeting)
        await self.bot.rounds.plan_meeting(meeting, changed=True)
        return meeting

    @meeting.command(name="plan", description=command_text("cmd.meeting.plan.description"))
    @app_commands.describe(
        first_date=command_text("cmd.meeting.option_first_date"),
        months=command_text("cmd.meeting.option_months"),
        first_format=command_text("cmd.meeting.option_first_format"),
        time=command_text("cmd.meeting.option_time"),
        venue=command_text("cmd.meeting.option_venue"),
        last_weekday=command_text("cmd.meeting.option_last_weekday"),
    )
    @app_commands.choices(first_format=FORMAT_CHOICES)
    @organiser_only()
    async def plan(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        first_date: Range[str, 1, 40],
        months: Range[int, 1, MAX_SEASON_MONTHS],
        first_format: Choice[str],
        time: Range[str, 1, 20] | None = None,
        venue: Range[str, 1, VENUE_MAX] | None = None,
        last_weekday: bool = False,
    ) -> None:
        language = self._language(interaction)
        network = self.bot.config.network
        now = self.bot.clock()
        try:
            first_instant = meeting_instant(first_date, time, network.default_start, network.timezone, now)
            first = parse_date(first_date, now.astimezone(network.timezone).date())
        except DateInputError as error:
            raise date_error(error) from None
        start_time = first_instant.astimezone(network.timezone).time().replace(tzinfo=None)
        planned = plan_season(
            first, months, MeetingFormat(first_format.value), start_time, network.timezone, last_weekday
        )
        place = clean_text(venue, VENUE_MAX, self._text(language, "fields.venue")) or network.default_venue
        rule = weekday_rule_of(first, last_weekday)
        preview = self._plan_preview(planned, language, place, rule.ordinal, first_instant)

        async def confirm(button_interaction: discord.Interaction[Any]) -> None:
            await button_interaction.response.edit_message(content=self._text(language, "plan.creating"), view=None)
            created = await self._create_season(planned, place, interaction.user.id, start_time)
            await button_interaction.edit_original_response(
                content=self._text(language, "plan.created", count=len(created))
            )

        view = PlanConfirmation(
            interaction.user.id, self._text(language, "plan.confirm"), self._text(language, "plan.cancel"), confirm
        )
        await interaction.response.send_message(preview, view=view, ephemeral=True)

    def _plan_preview(
        self, planned: list[PlannedMeeting], language: Language, venue: str, ordinal: int, first: datetime
    ) -> str:
        weekday = local_date(first.astimezone(self.bot.config.network.timezone), language).split(" ")[0]
        rule = self._text(
            language,
            msgkey("plan.rule_last") if ordinal == -1 else msgkey("plan.rule_nth"),
            ordinal=ordinal,
            weekday=weekday,
        )
        lines = [self._text(language, "plan.preview", count=len(planned), rule=rule, venue=venue)]
        for item in planned:
            local = item.starts_at.astimezone(self.bot.config.network.timezone)
            format_name = self._text(language, FORMAT_KEYS[item.format])
            lines.append(f"• {local_date(local, language)} {local:%H:%M} — {format_name}")
        lines.append(self._text(language, "plan.confirm_hint"))
        return clip("\n".join(lines), 2000)

    async def _create_season(
        self, planned: list[PlannedMeeting], venue: str, organiser_id: int, start: time
    ) -> list[Meeting]:
        network = self.bot.config.network
        now = self.bot.clock()
        future = [item for item in planned if item.starts_at > now]
        created = await meetings.create_meetings(
            self.bot.db,
            [
                meetings.NewMeeting(
                    guild_id=self.guild_id,
                    starts_at=item.starts_at,
                    timezone=network.timezone,
                    format=item.format,
                    venue=venue,
                    created_by=organiser_id,
                    duration=self.bot.config.meetings.duration,
                )
                for item in future
            ],
            now,
        )
        log.info("season planned", extra={"meetings": len(created), "by": organiser_id, "start": start.isoformat()})
        for meeting in created:
            await self._publish(meeting)
        return created

    @meeting.command(name="edit", description=command_text("cmd.meeting.edit.description"))
    @app_commands.describe(
        meeting=command_text("cmd.meeting.option_meeting"),
        date=command_text("cmd.meeting.option_date"),
        time=command_text("cmd.meeting.option_time"),
        format=command_text("cmd.meeting.option_format"),
        topic=command_text("cmd.meeting.option_topic"),
        speaker=command_text("cmd.meeting.option_speaker"),
        venue=command_text("cmd.meeting.option_venue"),
        capacity=command_text("cmd.meeting.option_capacity_edit"),
        description=command_text("cmd.meeting.option_description"),
    )
    @app_commands.choices(format=FORMAT_CHOICES)
    @app_commands.autocomplete(meeting=meeting_autocomplete)
    @organiser_only()
    async def edit(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        meeting: str,
        date: Range[str, 1, 40] | None = None,
        time: Range[str, 1, 20] | None = None,
        format: Choice[str] | None = None,
        topic: Range[str, 1, TOPIC_MAX] | None = None,
        speaker: Range[str, 1, SPEAKER_MAX] | None = None,
        venue: Range[str, 1, VENUE_MAX] | None = None,
        capacity: Range[int, 0, CAPACITY_MAX] | None = None,
        description: Range[str, 1, DESCRIPTION_MAX] | None = None,
    ) -> None:
        language = self._language(interaction)
        current = await self.meeting_option(meeting)
        starts_at = None
        if date is not None or time is not None:
            local = current.local_start
            try:
                starts_at = meeting_instant(
                    date or local.date().isoformat(),
                    time,
                    local.time().replace(tzinfo=None),
                    current.timezone,
                    self.bot.clock(),
                )
            except DateInputError as error:
                raise date_error(error) from None
        texts = self._meeting_texts(language, venue, topic, speaker, description)
        edit = meetings.MeetingEdit(
            starts_at=starts_at,
            format=MeetingFormat(format.value) if format else None,
            venue=texts.venue,
            topic=texts.topic,
            speaker=texts.speaker,
            description=texts.description,
            capacity=capacity,
        )
        if not edit.assignments():
            raise UserFacingError("meeting.errors.nothing_to_change")
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.lock(current.id):
            result = await meetings.edit_meeting(self.bot.db, current.id, edit, self.bot.clock())
        after = result.after
        log.info(
            "meeting edited",
            extra={"meeting_id": after.id, "by": interaction.user.id, "fields": sorted(edit.assignments())},
        )
        await self.bot.rounds.plan_meeting(after, changed=True)
        self._spawn(self.bot.rounds.run(result.follow_up), "round-after-edit")
        if result.promoted:
            self._spawn(self._tell_promoted(after, result.promoted), "dm-promoted")
        title = self.label(after, language)
        if not members_must_hear(result.before, after):
            await interaction.followup.send(self._text(language, "meeting.edited", title=title), ephemeral=True)
            return
        recipients = await answered(self.bot, after.id)
        await interaction.followup.send(
            self._text(language, "meeting.edited_notifying", title=title, count=len(recipients)), ephemeral=True
        )

    @meeting.command(name="cancel", description=command_text("cmd.meeting.cancel.description"))
    @app_commands.describe(
        meeting=command_text("cmd.meeting.option_meeting"), reason=command_text("cmd.meeting.option_reason")
    )
    @app_commands.autocomplete(meeting=meeting_autocomplete)
    @organiser_only()
    async def cancel(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        meeting: str,
        reason: Range[str, 1, REASON_MAX] | None = None,
    ) -> None:
        language = self._language(interaction)
        current = await self.meeting_option(meeting)
        why = clean_text(reason, REASON_MAX, self._text(language, "fields.reason"))
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            async with self.lock(current.id):
                cancelled, notice = await meetings.cancel_meeting(self.bot.db, current.id, why, self.bot.clock())
        except LookupError:
            raise UserFacingError("meeting.errors.cancelled") from None
        log.info("meeting cancelled", extra={"meeting_id": cancelled.id, "by": interaction.user.id})
        await self.bot.rounds.plan_meeting(cancelled, changed=True)
        # The post, each DM and the Discord event follow in the notice round, retried until done.
        self._spawn(self.bot.rounds.run(notice), "round-after-cancel")
        recipients = await answered(self.bot, cancelled.id)
        await interaction.followup.send(
            self._text(language, "meeting.cancelled", title=self.label(cancelled, language), count=len(recipients)),
            ephemeral=True,
        )

    @meeting.command(name="attendees", description=command_text("cmd.meeting.attendees.description"))
    @app_commands.describe(meeting=command_text("cmd.meeting.option_meeting"))
    @app_commands.autocomplete(meeting=meeting_autocomplete)
    @organiser_only()
    async def attendees(self, interaction: discord.Interaction[MikroVirkBot], meeting: str) -> None:
        language = self._language(interaction)
        current = await self.meeting_option(meeting, coming_only=False)
        roster = await rsvps.roster(self.bot.db, current.id)

        def more(count: int) -> str:
            return self.bot.catalogue.plural(language, "announcement.more", count)

        embed = discord.Embed(
            title=self.label(current, language),
            colour=BRAND_COLOUR,
        )
        groups = (
            (msgkey("attendees.going"), roster.going),
            (msgkey("attendees.maybe"), roster.maybe),
            (msgkey("attendees.not_going"), roster.not_going),
            (msgkey("attendees.waiting"), roster.waiting),
        )
        for key, group in groups:
            embed.add_field(
                name=self._text(language, key, count=len(group)),
                value=names_within([a.name for a in group], 1024, more),
                inline=False,
            )
        guest_lines = [f"{guest.name} ({guest.host_name})" for guest in roster.guests]
        embed.add_field(
            name=self._text(language, "attendees.guests", count=len(roster.guests)),
            value=names_within(guest_lines, 1024, more),
            inline=False,
        )
        if current.capacity is not None:
            embed.set_footer(
                text=self._text(
                    language,
                    "announcement.seats_value",
                    taken=roster.seats_taken,
                    capacity=current.capacity,
                    free=max(current.capacity - roster.seats_taken, 0),
                )
            )
        data = attendees_csv(roster, language, self.bot.catalogue)
        await interaction.response.send_message(
            embed=embed,
            file=discord.File(io.BytesIO(data), filename=f"attendees-{current.local_start:%Y-%m-%d}.csv"),
            ephemeral=True,
        )

    async def check_in(self, interaction: discord.Interaction[Any], meeting_id: int) -> None:
        """A member checks in on the announcement (from an hour before until the meeting ends)."""
        language = self._language(interaction)
        meeting = await meetings.get_meeting(self.bot.db, self.guild_id, meeting_id)
        if meeting is None or not checkin_open(meeting, self.bot.clock()):
            raise UserFacingError("checkin.errors.closed")
        new = await attendance.check_in(self.bot.db, meeting.id, interaction.user.id, "self", self.bot.clock())
        log.info("checked in", extra={"meeting_id": meeting.id, "user_id": interaction.user.id, "new": new})
        key = msgkey("checkin.done") if new else msgkey("checkin.already")
        await interaction.response.send_message(
            self._text(language, key, title=self.label(meeting, language)), ephemeral=True
        )

    @meeting.command(name="checkin", description=command_text("cmd.meeting.checkin.description"))
    @app_commands.describe(
        meeting=command_text("cmd.meeting.option_meeting"), member=command_text("cmd.program.option_member")
    )
    @app_commands.autocomplete(meeting=meeting_autocomplete)
    @organiser_only()
    async def checkin_member(
        self, interaction: discord.Interaction[MikroVirkBot], meeting: str, member: discord.Member
    ) -> None:
        language = self._language(interaction)
        current = await self.meeting_option(meeting, coming_only=False)
        if current.status is MeetingStatus.CANCELLED or current.starts_at - CHECKIN_OPENS_BEFORE > self.bot.clock():
            raise UserFacingError("checkin.errors.not_yet")
        new = await attendance.check_in(self.bot.db, current.id, member.id, "organiser", self.bot.clock())
        key = msgkey("checkin.marked") if new else msgkey("checkin.already_marked")
        await interaction.response.send_message(
            self._text(language, key, name=member.display_name, title=self.label(current, language)),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @meeting.command(name="remind", description=command_text("cmd.meeting.remind.description"))
    @app_commands.describe(meeting=command_text("cmd.meeting.option_meeting"))
    @app_commands.autocomplete(meeting=meeting_autocomplete)
    @organiser_only()
    async def remind(self, interaction: discord.Interaction[MikroVirkBot], meeting: str) -> None:
        language = self._language(interaction)
        current = await self.meeting_option(meeting)
        if current.starts_at <= self.bot.clock():
            raise UserFacingError("meeting.errors.started")
        row = await self.bot.rounds.add_now(current.guild_id, current.id, RoundKind.MANUAL_REMINDER)
        reach = len(await rsvps.reminder_audience(self.bot.db, current.guild_id, current.id))
        await interaction.response.send_message(
            self._text(language, "meeting.reminding", title=self.label(current, language), count=reach), ephemeral=True
        )
        log.info("extra reminder requested", extra={"meeting_id": current.id, "round_id": row.id, "reach": reach})

    @meeting.command(name="calendar", description=command_text("cmd.meeting.calendar.description"))
    @organiser_only()
    async def calendar(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        language = self._language(interaction)
        coming = await meetings.coming_meetings(self.bot.db, self.guild_id, self.bot.clock(), limit=100)
        if not coming:
            await interaction.response.send_message(self._text(language, "meeting.next.none"), ephemeral=True)
            return
        data = meetings_ics(coming, self.bot.config.network.name, language, self.bot.catalogue, self.bot.clock())
        await interaction.response.send_message(
            self._text(language, "meeting.calendar.all", count=len(coming)),
            file=discord.File(io.BytesIO(data), filename="mikrovirk.ics"),
            ephemeral=True,
        )
