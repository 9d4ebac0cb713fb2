"""Reminders before each meeting, the monthly post and members' DM preference — each sent exactly once.

The database holds one row per (meeting, kind) with its due instant and state; the scheduler is only the timer that
wakes :meth:`Reminders.run`. A run claims its row (pending → sending), posts with a nonce derived from the row,
records the message, then DMs each recipient, recording every delivery, and marks the row sent. A restart resumes
rows left in "sending" with the recipients not yet reached.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import MikroVirkBot
from bot.config import Language
from bot.i18n import command_text
from bot.meetings import Meeting, MeetingStatus
from bot.reminders import (
    BEFORE_PREFIX,
    MANUAL_PREFIX,
    MONTHLY_PREFIX,
    before_kind,
    is_late,
    monthly_kind,
    next_monthly,
    reminder_due,
    wording,
)
from bot.render import ProgramEntry, clip, local_date, local_month, reminder_card
from cogs._dm import DirectMessenger, DmMessage, delivery_nonce
from cogs._embeds import BRAND_COLOUR, card_embed
from cogs._rounds import job_id
from db import meetings, members, program, reminders, rsvps
from db.reminders import DeliveryState, Reminder, ReminderState

log = logging.getLogger(__name__)

OUR_KINDS = (BEFORE_PREFIX, MONTHLY_PREFIX, MANUAL_PREFIX)
# A reminder whose channel post Discord refuses is tried again after 1, 2, 4, 8 minutes, then given up (logged).
MAX_ATTEMPTS = 5
RETRY_BACKOFF = timedelta(minutes=1)


class Reminders(commands.Cog):
    reminders_group = app_commands.Group(
        name="reminders", description=command_text("cmd.reminders.description"), guild_only=True
    )

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot
        self.dm = DirectMessenger(bot)
        self._started = False
        # A timer and an explicit run may ask for the same row at once; one process sends it once.
        self._running: set[int] = set()
        self._planning = asyncio.Lock()

    @property
    def guild_id(self) -> int:
        return self.bot.config.discord.guild_id

    # -- members' preference ----------------------------------------------------------------------------------------

    @reminders_group.command(name="on", description=command_text("cmd.reminders.on.description"))
    async def turn_on(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        await members.set_dm_reminders(self.bot.db, self.guild_id, interaction.user.id, True, self.bot.clock())
        await interaction.response.send_message(self.bot.text_for(interaction, "reminder.turned_on"), ephemeral=True)

    @reminders_group.command(name="off", description=command_text("cmd.reminders.off.description"))
    async def turn_off(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        await members.set_dm_reminders(self.bot.db, self.guild_id, interaction.user.id, False, self.bot.clock())
        await interaction.response.send_message(self.bot.text_for(interaction, "reminder.turned_off"), ephemeral=True)

    # -- keeping the rows and timers in step with the meetings --------------------------------------------------------

    @commands.Cog.listener()
    async def on_meeting_changed(self, meeting: Meeting) -> None:
        # Changes arrive as separate events; planning from the stored meeting, one at a time, keeps the last word.
        async with self._planning:
            current = await meetings.get_meeting(self.bot.db, meeting.guild_id, meeting.id)
            if current is not None:
                await self.plan_meeting(current, changed=True)

    async def plan_meeting(self, meeting: Meeting, *, changed: bool) -> None:
        """One reminder per configured offset; moved with the meeting, cancelled with it.

        When a meeting is created or moved, a moment that has already passed is not sent. At start (``changed`` is
        false) such a row is left alone: it was missed while the bot was down and is sent late or skipped.
        """
        now = self.bot.clock()
        if meeting.status is MeetingStatus.CANCELLED:
            for reminder_id in await reminders.cancel_for_meeting(self.bot.db, meeting.id, now):
                self.bot.timers.cancel(job_id(reminder_id))
            return
        for offset in self.bot.config.reminders.offsets:
            kind = before_kind(offset)
            due = reminder_due(meeting.starts_at, meeting.timezone, offset)
            if due <= now:
                cancelled = await reminders.cancel_kind(self.bot.db, meeting.id, kind, now) if changed else None
                if cancelled is not None:
                    self.bot.timers.cancel(job_id(cancelled))
                continue
            self._arm(await reminders.schedule(self.bot.db, meeting.guild_id, meeting.id, kind, due, now))

    def _arm(self, reminder: Reminder) -> None:
        async def fire() -> None:
            await self.run(reminder.id)

        self.bot.timers.at(job_id(reminder.id), reminder.due_at, fire)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if self._started or self.bot.startup_error is not None:
            return
        self._started = True
        await self.rearm()

    async def rearm(self) -> None:
        """At start: reminders for every coming meeting, the next monthly post, and a timer for each row still to
        send — at once for those due while the bot was down (sent late, or skipped if the meeting has begun)."""
        for meeting in await meetings.coming_meetings(self.bot.db, self.guild_id, self.bot.clock(), limit=100):
            await self.plan_meeting(meeting, changed=False)
        await self._plan_monthly()
        for reminder in await reminders.unfinished(self.bot.db, self.guild_id):
            if reminder.kind.startswith(OUR_KINDS):
                self._arm(reminder)

    async def _plan_monthly(self) -> None:
        config = self.bot.config.reminders
        month, due = next_monthly(
            self.bot.clock(), config.monthly_day, config.monthly_time, self.bot.config.network.timezone
        )
        self._arm(
            await reminders.schedule_for_guild(self.bot.db, self.guild_id, monthly_kind(month), due, self.bot.clock())
        )

    async def run_due(self) -> None:
        """Send everything due by the bot's clock (tests move the clock and call this instead of waiting)."""
        now = self.bot.clock()
        for reminder in await reminders.unfinished(self.bot.db, self.guild_id):
            if reminder.kind.startswith(OUR_KINDS) and reminder.due_at <= now:
                await self.run(reminder.id)

    # -- sending ----------------------------------------------------------------------------------------------------

    async def run(self, reminder_id: int) -> None:
        if reminder_id in self._running:
            return
        self._running.add(reminder_id)
        try:
            await self._run(reminder_id)
        except discord.HTTPException as error:
            await self._retry_later(reminder_id, error)
        finally:
            self._running.discard(reminder_id)

    async def _retry_later(self, reminder_id: int, error: discord.HTTPException) -> None:
        """Discord refused the channel post: try again later, a bounded number of times, then give up loudly."""
        reminder = await reminders.get(self.bot.db, reminder_id)
        if reminder is None:
            return
        now = self.bot.clock()
        note = f"{error.status} {error.code}: {error.text}"[:500]
        if reminder.attempts >= MAX_ATTEMPTS:
            await reminders.finish(self.bot.db, reminder_id, ReminderState.SKIPPED, now, note)
            log.error(
                "reminder given up", extra={"reminder_id": reminder_id, "attempts": reminder.attempts, "error": note}
            )
            return
        log.warning(
            "reminder failed, retrying",
            extra={"reminder_id": reminder_id, "attempts": reminder.attempts, "error": note},
        )

        async def fire() -> None:
            await self.run(reminder_id)

        self.bot.timers.at(job_id(reminder_id), now + RETRY_BACKOFF * 2 ** (reminder.attempts - 1), fire)

    async def _run(self, reminder_id: int) -> None:
        current = await reminders.get(self.bot.db, reminder_id)
        now = self.bot.clock()
        if current is None or current.state not in (ReminderState.PENDING, ReminderState.SENDING):
            return
        if current.state is ReminderState.PENDING and current.due_at > now:
            self._arm(current)  # moved later since the timer was set
            return
        reminder = await reminders.claim(self.bot.db, reminder_id, now)
        if reminder is None:
            return
        if reminder.kind.startswith(MONTHLY_PREFIX):
            await self._send_monthly(reminder)
            return
        assert reminder.meeting_id is not None
        meeting = await meetings.get_meeting(self.bot.db, reminder.guild_id, reminder.meeting_id)
        if meeting is None or meeting.status is MeetingStatus.CANCELLED:
            await reminders.finish(self.bot.db, reminder.id, ReminderState.CANCELLED, now, "meeting cancelled")
            return
        if meeting.starts_at <= now:
            await reminders.finish(self.bot.db, reminder.id, ReminderState.SKIPPED, now, "meeting had begun")
            log.warning(
                "reminder skipped: the meeting had begun", extra={"reminder_id": reminder.id, "kind": reminder.kind}
            )
            return
        await self._send_meeting_reminder(reminder, meeting)

    def _when(self, reminder: Reminder, meeting: Meeting, language: Language) -> str:
        if reminder.kind.startswith(BEFORE_PREFIX):
            offset = next(
                (offset for offset in self.bot.config.reminders.offsets if before_kind(offset) == reminder.kind), None
            )
            if offset is not None:
                key, params = wording(offset)
                return self.bot.catalogue.text(language, key, **params)
        return self.bot.catalogue.text(language, "reminder.when_soon")

    async def _send_meeting_reminder(self, reminder: Reminder, meeting: Meeting) -> None:
        late = reminder.kind.startswith(BEFORE_PREFIX) and is_late(reminder.due_at, self.bot.clock())
        url = meeting.announcement_url
        roster = await rsvps.roster(self.bot.db, meeting.id)
        entries = [ProgramEntry(s.kind, s.name, s.topic) for s in await program.confirmed(self.bot.db, meeting.id)]
        if reminder.channel_message_id is None:
            language = self.bot.config.network.language
            card = reminder_card(
                meeting,
                roster,
                entries,
                self._when(reminder, meeting, language),
                late,
                url,
                language,
                self.bot.catalogue,
            )
            channel = self.bot.get_partial_messageable(self.bot.config.discord.announcements_channel_id)
            posted = await channel.send(embed=card_embed(card), nonce=delivery_nonce(reminder.id))
            await reminders.set_channel_message(self.bot.db, reminder.id, posted.id, self.bot.clock())
        answered = [a.user_id for a in (*roster.going, *roster.maybe)]
        opted_out = await members.without_dm_reminders(self.bot.db, self.guild_id, answered)
        await reminders.add_recipients(
            self.bot.db, reminder.id, [user for user in answered if user not in opted_out], self.bot.clock()
        )

        def compose(user_id: int, language: Language) -> DmMessage:
            text = self.bot.catalogue.text(
                language,
                "reminder.dm",
                when=self._when(reminder, meeting, language),
                title=clip(local_date(meeting.local_start, language), 80),
                time=f"{meeting.local_start:%H:%M}",
                venue=meeting.venue,
                url=url or "",
            )
            if late:
                text = f"{self.bot.catalogue.text(language, 'reminder.late')}\n{text}"
            return DmMessage(text + "\n" + self.bot.catalogue.text(language, "reminder.dm_off_hint"))

        retries = await self.dm.deliver(reminder.id, compose)
        await reminders.finish(self.bot.db, reminder.id, ReminderState.SENT, self.bot.clock())
        log.info(
            "reminder sent",
            extra={
                "reminder_id": reminder.id,
                "kind": reminder.kind,
                "meeting_id": meeting.id,
                "late": late,
                "retries": retries,
            },
        )

    async def _send_monthly(self, reminder: Reminder) -> None:
        """The month's meetings in the announcements channel, or a heads-up to organisers if none is planned."""
        language = self.bot.config.network.language
        month = date.fromisoformat(reminder.kind.removeprefix(MONTHLY_PREFIX) + "-01")
        coming = await meetings.coming_meetings(self.bot.db, self.guild_id, self.bot.clock(), limit=100)
        this_month = [m for m in coming if (m.local_start.year, m.local_start.month) == (month.year, month.month)]
        month_name = local_month(month, language)
        if reminder.channel_message_id is None:
            if this_month:
                lines = [
                    f"• {local_date(m.local_start, language)} {m.local_start:%H:%M} — {m.venue}"
                    + (f" — {m.announcement_url}" if m.announcement_url else "")
                    for m in this_month
                ]
                embed = discord.Embed(
                    colour=BRAND_COLOUR,
                    title=self.bot.catalogue.text(language, "monthly.title", month=month_name),
                    description=clip(
                        "\n".join(lines) + "\n\n" + self.bot.catalogue.text(language, "monthly.how"), 4096
                    ),
                )
                target = self.bot.config.discord.announcements_channel_id
                posted = await self.bot.get_partial_messageable(target).send(
                    embed=embed, nonce=delivery_nonce(reminder.id)
                )
            else:
                target = self.bot.config.discord.organisers_channel_id
                posted = await self.bot.get_partial_messageable(target).send(
                    self.bot.catalogue.text(language, "monthly.none", month=month_name),
                    nonce=delivery_nonce(reminder.id),
                )
            await reminders.set_channel_message(self.bot.db, reminder.id, posted.id, self.bot.clock())
        await reminders.finish(self.bot.db, reminder.id, ReminderState.SENT, self.bot.clock())
        log.info("monthly post sent", extra={"reminder_id": reminder.id, "meetings": len(this_month)})
        await self._plan_monthly()

    async def remind_now(self, meeting: Meeting) -> Reminder:
        """An organiser's extra reminder: its own row, so the scheduled ones still go out exactly once."""
        reminder = await reminders.create_now(
            self.bot.db, meeting.guild_id, meeting.id, MANUAL_PREFIX, self.bot.clock()
        )
        await self.run(reminder.id)
        finished = await reminders.get(self.bot.db, reminder.id)
        assert finished is not None
        return finished

    async def delivery_counts(self, reminder_id: int) -> dict[DeliveryState, int]:
        return {state: len(await reminders.recipients(self.bot.db, reminder_id, state)) for state in DeliveryState}
