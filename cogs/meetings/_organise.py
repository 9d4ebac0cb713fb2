"""Organisers plan and change meetings: create, a season, edit, cancel, an extra reminder, the attendee list.

Every change goes to the database with the round that tells the world (the post, the Discord event, members by
DM) in the same transaction; the bot's round runner carries it out and retries it.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import discord
from discord.app_commands import Choice

from bot.client import MikroVirkBot
from bot.config import Language
from bot.dates import DateInputError, DateProblem, meeting_instant, parse_date
from bot.errors import UserFacingError
from bot.exports import attendees_csv
from bot.i18n import msgkey
from bot.meetings import Meeting, MeetingFormat, Window, closed_reason, members_must_hear
from bot.planning import PlannedMeeting, plan_season, weekday_rule_of
from bot.reminders import EXTRA_REMINDER_APART
from bot.render import EMBED_FIELD_VALUE_MAX, FORMAT_KEYS, clip, local_date, meeting_label, names_within, plain
from bot.rounds import RoundKind
from bot.services.rounds import describe
from bot.translator import command_text
from cogs._embeds import BRAND_COLOUR
from cogs._interactions import Confirmation, clean_text
from cogs.meetings._announce import Announcer
from cogs.meetings._notices import answered
from db import meetings, rounds, rsvps

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


@dataclass(frozen=True, slots=True)
class MeetingFields:
    """What an organiser typed for a meeting (``None``: not given)."""

    time: str | None = None
    topic: str | None = None
    speaker: str | None = None
    venue: str | None = None
    capacity: int | None = None
    description: str | None = None


def date_error(error: DateInputError) -> UserFacingError:
    return UserFacingError(DATE_PROBLEM_KEYS[error.problem], typed=error.text)


class Organiser:
    def __init__(self, bot: MikroVirkBot, announcer: Announcer) -> None:
        self.bot = bot
        self.announcer = announcer

    def _text(self, language: Language, key: str, /, **params: object) -> str:
        return self.bot.catalogue.text(language, key, **params)

    def label(self, meeting: Meeting, language: Language) -> str:
        return meeting_label(meeting, language, self.bot.catalogue)

    async def create(
        self, interaction: discord.Interaction[MikroVirkBot], date: str, format: MeetingFormat, fields: MeetingFields
    ) -> None:
        time, topic, speaker, venue = fields.time, fields.topic, fields.speaker, fields.venue
        capacity, description = fields.capacity, fields.description
        language = self.bot.language_of(interaction)
        network = self.bot.config.network
        try:
            starts_at = meeting_instant(date, time, network.default_start, network.timezone, self.bot.clock())
        except DateInputError as error:
            raise date_error(error) from None
        texts = self.meeting_texts(language, venue, topic, speaker, description)
        new = meetings.NewMeeting(
            guild_id=self.bot.config.discord.guild_id,
            starts_at=starts_at,
            timezone=network.timezone,
            format=format,
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
        meeting = await self.publish(meeting)
        url = meeting.announcement_url
        key = msgkey("meeting.created") if url else msgkey("meeting.created_not_posted")
        await interaction.followup.send(
            self._text(language, key, title=self.label(meeting, language), url=url or ""), ephemeral=True
        )

    def meeting_texts(
        self, language: Language, venue: str | None, topic: str | None, speaker: str | None, description: str | None
    ) -> MeetingTexts:
        """The organiser's texts, trimmed and checked against their limits (``None`` where not given)."""
        return MeetingTexts(
            venue=clean_text(venue, VENUE_MAX, self._text(language, "fields.venue")),
            topic=clean_text(topic, TOPIC_MAX, self._text(language, "fields.topic")),
            speaker=clean_text(speaker, SPEAKER_MAX, self._text(language, "fields.speaker")),
            description=clean_text(description, DESCRIPTION_MAX, self._text(language, "fields.description")),
        )

    async def publish(self, meeting: Meeting) -> Meeting:
        """Announce and mirror a new meeting; a post Discord refuses is left for the next start to post."""
        try:
            return await self.announce(meeting)
        except discord.HTTPException as error:
            log.warning("could not post the announcement", extra={"meeting_id": meeting.id, "error": describe(error)})
            return meeting

    async def announce(self, meeting: Meeting) -> Meeting:
        """Post the announcement, mirror the meeting as an event and schedule its rounds; raises if the post fails.
        Once the post is up nothing after it can undo it: the event and the rounds follow whatever else fails."""
        meeting = await self.announcer.post(meeting)
        await self.announcer.try_sync_event(meeting)
        await self.bot.rounds.schedule_meeting(meeting, changed=True)
        return meeting

    async def plan(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        first_date: str,
        months: int,
        first_format: MeetingFormat,
        time: str | None,
        venue: str | None,
        last_weekday: bool,
    ) -> None:
        language = self.bot.language_of(interaction)
        network = self.bot.config.network
        now = self.bot.clock()
        try:
            first_instant = meeting_instant(first_date, time, network.default_start, network.timezone, now)
            first = parse_date(first_date, now.astimezone(network.timezone).date())
        except DateInputError as error:
            raise date_error(error) from None
        start_time = first_instant.astimezone(network.timezone).time().replace(tzinfo=None)
        planned = plan_season(first, months, first_format, start_time, network.timezone, last_weekday)
        place = clean_text(venue, VENUE_MAX, self._text(language, "fields.venue")) or network.default_venue
        rule = weekday_rule_of(first, last_weekday)
        preview = self._plan_preview(planned, language, place, rule.ordinal, first_instant)

        async def confirm(button_interaction: discord.Interaction[Any]) -> None:
            await button_interaction.response.edit_message(content=self._text(language, "plan.creating"), view=None)
            created = await self._create_season(planned, place, interaction.user.id, start_time)
            await button_interaction.edit_original_response(
                content=self._text(language, "plan.created", count=len(created))
            )

        labels = (self._text(language, "plan.confirm"), self._text(language, "plan.cancel"))
        view = Confirmation(interaction.user.id, labels, confirm, cancelled_key=msgkey("plan.dropped"))
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
                    guild_id=self.bot.config.discord.guild_id,
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
            await self.publish(meeting)
        return created

    async def edit(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        current: Meeting,
        date: str | None,
        format: MeetingFormat | None,
        fields: MeetingFields,
    ) -> None:
        time, topic, speaker, venue = fields.time, fields.topic, fields.speaker, fields.venue
        capacity, description = fields.capacity, fields.description
        language = self.bot.language_of(interaction)
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
        texts = self.meeting_texts(language, venue, topic, speaker, description)
        edit = meetings.MeetingEdit(
            starts_at=starts_at,
            format=format,
            venue=texts.venue,
            topic=texts.topic,
            speaker=texts.speaker,
            description=texts.description,
            capacity=capacity,
        )
        if not edit.assignments():
            raise UserFacingError("meeting.errors.nothing_to_change")
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.locks(current.id):
            result = await meetings.edit_meeting(self.bot.db, current.id, edit, self.bot.clock())
        after = result.after
        log.info(
            "meeting edited",
            extra={"meeting_id": after.id, "by": interaction.user.id, "fields": sorted(edit.assignments())},
        )
        await self.bot.rounds.schedule_meeting(after, changed=True)
        self.bot.tasks.spawn(self.bot.rounds.run(result.follow_up), "round-after-edit")
        if result.promoted:
            self.bot.dispatch("members_promoted", after.id)
        title = self.label(after, language)
        if not members_must_hear(result.before, after):
            await interaction.followup.send(self._text(language, "meeting.edited", title=title), ephemeral=True)
            return
        recipients = await answered(self.bot, after.id)
        await interaction.followup.send(
            self._text(language, "meeting.edited_notifying", title=title, count=len(recipients)), ephemeral=True
        )

    async def cancel(
        self, interaction: discord.Interaction[MikroVirkBot], current: Meeting, reason: str | None
    ) -> None:
        language = self.bot.language_of(interaction)
        why = clean_text(reason, REASON_MAX, self._text(language, "fields.reason"))
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            async with self.bot.locks(current.id):
                cancelled, notice = await meetings.cancel_meeting(self.bot.db, current.id, why, self.bot.clock())
        except LookupError:
            raise UserFacingError("meeting.errors.cancelled") from None
        log.info("meeting cancelled", extra={"meeting_id": cancelled.id, "by": interaction.user.id})
        await self.bot.rounds.schedule_meeting(cancelled, changed=True)
        # The post, each DM and the Discord event follow in the notice round, retried until done.
        self.bot.tasks.spawn(self.bot.rounds.run(notice), "round-after-cancel")
        recipients = await answered(self.bot, cancelled.id)
        await interaction.followup.send(
            self._text(language, "meeting.cancelled", title=self.label(cancelled, language), count=len(recipients)),
            ephemeral=True,
        )

    async def attendees(self, interaction: discord.Interaction[MikroVirkBot], current: Meeting) -> None:
        language = self.bot.language_of(interaction)
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
                value=names_within([plain(a.name) for a in group], EMBED_FIELD_VALUE_MAX, more),
                inline=False,
            )
        guest_lines = [f"{plain(guest.name)} ({plain(guest.host_name)})" for guest in roster.guests]
        embed.add_field(
            name=self._text(language, "attendees.guests", count=len(roster.guests)),
            value=names_within(guest_lines, EMBED_FIELD_VALUE_MAX, more),
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

    async def remind(self, interaction: discord.Interaction[MikroVirkBot], current: Meeting) -> None:
        language = self.bot.language_of(interaction)
        refusal = closed_reason(current, self.bot.clock(), Window.BEFORE_START)  # reminders are for what is ahead
        if refusal is not None:
            raise UserFacingError(refusal)
        now = self.bot.clock()
        try:
            kind = RoundKind.MANUAL_REMINDER
            row = await rounds.create_one_off(
                self.bot.db, current.guild_id, current.id, kind, now, now, apart=EXTRA_REMINDER_APART
            )
        except rounds.TooSoon as too_soon:
            raise UserFacingError(
                msgkey("meeting.errors.reminded_recently"),
                title=self.label(current, language),
                when=discord.utils.format_dt(too_soon.last + EXTRA_REMINDER_APART, "t"),
            ) from None
        self.bot.rounds.arm(row)
        reach = len(await rsvps.reminder_audience(self.bot.db, current.guild_id, current.id))
        await interaction.response.send_message(
            self._text(language, "meeting.reminding", title=self.label(current, language), count=reach), ephemeral=True
        )
        log.info("extra reminder requested", extra={"meeting_id": current.id, "round_id": row.id, "reach": reach})
