"""The reminder rounds: before each meeting, an organiser's extra reminder, and the monthly post.

A reminder posts in the announcements channel with a nonce derived from the row, records the message, then DMs each
member who answered going or maybe and wants DMs, recording every delivery: a restart resumes instead of repeating.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING

import discord

from bot.config import LANGUAGES, Language
from bot.durations import format_offset
from bot.i18n import msgkey
from bot.meetings import Meeting
from bot.reminders import is_late, monthly_subject, next_monthly, reminder_due, wording
from bot.render import (
    EMBED_DESCRIPTION_MAX,
    ProgramEntry,
    clip,
    local_date,
    local_month,
    reminder_card,
)
from bot.rounds import Outcome, Round, RoundKind
from bot.services.dm import DmMessage
from bot.services.once import round_post
from cogs._embeds import BRAND_COLOUR, card_embed
from cogs._rounds import MeetingRound, RoundHandler
from db import meetings, program, rounds, rsvps

if TYPE_CHECKING:
    from bot.client import MikroVirkBot

log = logging.getLogger(__name__)


async def send_reminder(
    bot: MikroVirkBot, row: Round, meeting: Meeting, when: dict[Language, str], *, late: bool
) -> None:
    """The channel post (once: its message id is kept) and the DMs to the audience fixed on the first attempt."""
    url = meeting.announcement_url
    if row.channel_message_id is None:
        roster = await rsvps.roster(bot.db, meeting.id)
        entries = [ProgramEntry(s.kind, s.name, s.topic) for s in await program.confirmed(bot.db, meeting.id)]
        language = bot.config.network.language
        card = reminder_card(meeting, roster, entries, when[language], late, url, language, bot.catalogue)
        channel = bot.get_partial_messageable(bot.config.discord.announcements_channel_id)
        await round_post(bot, row, channel, embed=card_embed(card))
    audience = await rsvps.reminder_audience(bot.db, meeting.guild_id, meeting.id)
    await rounds.fix_audience(bot.db, row.id, audience, bot.clock())

    def compose(user_id: int, language: Language) -> DmMessage:
        text = bot.catalogue.text(
            language,
            "reminder.dm",
            when=when[language],
            title=clip(local_date(meeting.local_start, language), 80),
            time=f"{meeting.local_start:%H:%M}",
            venue=meeting.venue,
            url=url or "",
        )
        if late:
            text = f"{bot.catalogue.text(language, 'reminder.late')}\n{text}"
        return DmMessage(text + "\n" + bot.catalogue.text(language, "reminder.dm_off_hint"))

    retries = await bot.dm.deliver(row.id, compose)
    log.info(
        "reminder sent",
        extra={"round_id": row.id, "kind": row.kind, "meeting_id": meeting.id, "late": late, "retries": retries},
    )


class BeforeMeeting(MeetingRound):
    """One reminder per configured offset before each meeting ("in a week", "tomorrow")."""

    kind = RoundKind.REMINDER

    def moments(self, meeting: Meeting) -> dict[str, datetime]:
        return {
            format_offset(offset): reminder_due(meeting.starts_at, meeting.timezone, offset)
            for offset in self.bot.config.reminders.offsets
        }

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        offset = next((o for o in self.bot.config.reminders.offsets if format_offset(o) == row.subject), None)
        key, params = wording(offset) if offset is not None else (msgkey("reminder.when_soon"), {})
        when = {language: self.bot.catalogue.text(language, key, **params) for language in LANGUAGES}
        await send_reminder(self.bot, row, meeting, when, late=is_late(row.due_at, self.bot.clock()))
        return Outcome.sent()


class ExtraReminder(MeetingRound):
    """An organiser's "remind now": its own row, so the scheduled reminders still go out once; the counts go to the
    organisers' channel when the fan-out is done (the organiser was answered at once). Never scheduled: no moments."""

    kind = RoundKind.MANUAL_REMINDER

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        when = {language: self.bot.catalogue.text(language, "reminder.when_soon") for language in LANGUAGES}
        await send_reminder(self.bot, row, meeting, when, late=False)
        await self.report_deliveries(row)
        return Outcome.sent()


class MonthlyPost(RoundHandler):
    """On the configured day: this month's meetings in the announcements channel, or a heads-up to organisers."""

    kind = RoundKind.MONTHLY

    async def at_start(self) -> None:
        await self.schedule_next()

    async def settings_changed(self) -> None:
        # A post planned under the old day or time gives way to the one the new setting asks for; at start, by
        # contrast, an overdue post is kept so it still goes out late.
        subject = await self.schedule_next()
        await self.bot.rounds.cancel_all_but(self.kind, subject, "the monthly post's day or time changed")

    async def schedule_next(self) -> str:
        """Plan the next monthly post; returns its subject (the month)."""
        config = self.bot.config.reminders
        month, due = next_monthly(
            self.bot.clock(), config.monthly_day, config.monthly_time, self.bot.config.network.timezone
        )
        await self.bot.rounds.plan(self.kind, monthly_subject(month), due)
        return monthly_subject(month)

    async def deliver(self, row: Round) -> Outcome:
        bot = self.bot
        await self.schedule_next()  # first, so a post that is given up never stops the next month's
        language = bot.config.network.language
        month = date.fromisoformat(row.subject + "-01")
        coming = await meetings.coming_meetings(bot.db, row.guild_id, bot.clock(), limit=100)
        this_month = [m for m in coming if (m.local_start.year, m.local_start.month) == (month.year, month.month)]
        month_name = local_month(month, language)
        if row.channel_message_id is None:
            if this_month:
                lines = [
                    f"• {local_date(m.local_start, language)} {m.local_start:%H:%M} — {m.venue}"
                    + (f" — {m.announcement_url}" if m.announcement_url else "")
                    for m in this_month
                ]
                embed = discord.Embed(
                    colour=BRAND_COLOUR,
                    title=bot.catalogue.text(language, "monthly.title", month=month_name),
                    description=clip(
                        "\n".join(lines) + "\n\n" + bot.catalogue.text(language, "monthly.how"), EMBED_DESCRIPTION_MAX
                    ),
                )
                channel = bot.get_partial_messageable(bot.config.discord.announcements_channel_id)
                await round_post(bot, row, channel, embed=embed)
            else:
                channel = bot.get_partial_messageable(bot.config.discord.organisers_channel_id)
                await round_post(
                    bot, row, channel, content=bot.catalogue.text(language, "monthly.none", month=month_name)
                )
        log.info("monthly post sent", extra={"round_id": row.id, "meetings": len(this_month)})
        return Outcome.sent()
