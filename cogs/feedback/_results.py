"""What organisers take away: a meeting's feedback results with charts (on request, and when the poll closes) and
the CSV of every answer and topic idea."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime

import discord

from bot.client import MikroVirkBot
from bot.config import Language
from bot.exports import feedback_csv
from bot.feedback import FeedbackSummary, SeasonPoint, bar, summarise
from bot.meetings import Meeting
from bot.render import EMBED_FIELD_VALUE_MAX, clip, meeting_label, one_decimal, plain, short_date
from bot.rounds import Outcome, Round, RoundKind
from bot.services.once import round_post
from cogs._embeds import BRAND_COLOUR
from cogs._rounds import MeetingRound
from cogs.feedback._after_meeting import asked
from db import polls, topics


def _summary_embed(bot: MikroVirkBot, meeting: Meeting, language: Language, summary: FeedbackSummary) -> discord.Embed:
    text = bot.catalogue.text
    largest = max(summary.distribution) or 1
    lines = [
        f"{rating} ★ {bar(count, largest)} {count}"
        for rating, count in zip(range(1, 6), summary.distribution, strict=True)
    ]
    average = one_decimal(summary.average, language)
    embed = discord.Embed(
        colour=BRAND_COLOUR,
        title=text(language, "feedback.results_title", title=meeting_label(meeting, language, bot.catalogue)),
        description=text(
            language, "feedback.results_summary", average=average, answers=summary.answers, attendees=summary.attendees
        )
        + "\n"
        + "\n".join(lines),
    )
    if summary.comments:
        embed.add_field(
            name=text(language, "feedback.comments", count=len(summary.comments)),
            value=clip("\n".join(f"• {plain(comment)}" for comment in summary.comments), EMBED_FIELD_VALUE_MAX),
            inline=False,
        )
    return embed


def _file(data: bytes, filename: str) -> discord.File:
    return discord.File(io.BytesIO(data), filename=filename)


async def _season_chart(bot: MikroVirkBot, meeting: Meeting, language: Language, now: datetime) -> discord.File:
    text = bot.catalogue.text
    season = await polls.season(bot.db, bot.config.discord.guild_id, now)
    points = [
        SeasonPoint(short_date(start.astimezone(meeting.timezone), language), average, came)
        for start, average, came in season
    ]
    from bot import charts  # matplotlib weighs ~37 MB: loaded with the first chart, not at start

    # Drawing takes a CPU moment; the figures share no state (no pyplot), so a worker thread keeps the bot answering.
    png = await asyncio.to_thread(
        charts.season_png,
        points,
        text(language, "feedback.season_title"),
        text(language, "feedback.season_rating"),
        text(language, "feedback.season_attendance"),
    )
    return _file(png, "season.png")


async def results(
    bot: MikroVirkBot, meeting: Meeting, language: Language, *, with_season: bool
) -> tuple[discord.Embed, list[discord.File]]:
    """The summary embed with the ratings chart, and with ``with_season`` the season chart too."""
    text = bot.catalogue.text
    poll = await polls.feedback_poll(bot.db, meeting.id)
    answers = await polls.ratings(bot.db, poll.id) if poll else []
    summary = summarise(answers, len(await asked(bot, meeting.id)))
    embed = _summary_embed(bot, meeting, language, summary)
    from bot import charts  # matplotlib weighs ~37 MB: loaded with the first chart, not at start

    ratings = await asyncio.to_thread(
        charts.rating_distribution_png,
        summary.distribution,
        text(language, "feedback.chart_title"),
        text(language, "feedback.chart_x"),
        text(language, "feedback.chart_y"),
    )
    files = [_file(ratings, "ratings.png")]
    embed.set_image(url="attachment://ratings.png")
    if with_season:
        files.append(await _season_chart(bot, meeting, language, bot.clock()))
    return embed, files


async def show(interaction: discord.Interaction[MikroVirkBot], meeting: Meeting) -> None:
    """``/feedback results``: privately, with the season chart."""
    bot = interaction.client
    await interaction.response.defer(ephemeral=True, thinking=True)
    embed, files = await results(bot, meeting, bot.language_of(interaction), with_season=True)
    await interaction.followup.send(embed=embed, files=files, ephemeral=True)


async def export(interaction: discord.Interaction[MikroVirkBot]) -> None:
    """``/feedback export``: every answer of every poll and every topic idea as one CSV file."""
    bot = interaction.client
    language = bot.language_of(interaction)
    guild_id = bot.config.discord.guild_id
    answers = await polls.answers(bot.db, guild_id)
    ideas = await topics.all_topics(bot.db, guild_id)
    data = feedback_csv(answers, ideas, language, bot.catalogue)
    await interaction.response.send_message(
        bot.catalogue.text(language, "feedback.exported", answers=len(answers), topics=len(ideas)),
        file=_file(data, "mikrovirk-feedback.csv"),
        ephemeral=True,
    )


class FeedbackClose(MeetingRound):
    """When answers close: the result summary for the organisers."""

    kind = RoundKind.FEEDBACK_CLOSE

    def due(self, meeting: Meeting) -> datetime | None:
        return meeting.ends_at + self.bot.config.feedback.after_end + self.bot.config.feedback.open_for

    def relevant(self, meeting: Meeting, now: datetime) -> bool:
        return True

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        poll = await polls.feedback_poll(self.bot.db, meeting.id)
        if poll is None:
            return Outcome.skipped("no feedback poll was sent")
        await polls.close(self.bot.db, poll.id)
        if row.channel_message_id is not None:
            return Outcome.sent()  # the summary went out before a stop
        language = self.bot.config.network.language
        embed, files = await results(self.bot, meeting, language, with_season=False)
        channel = self.bot.get_partial_messageable(self.bot.config.discord.organisers_channel_id)
        await round_post(
            self.bot,
            row,
            channel,
            content=self.bot.catalogue.text(language, "feedback.closed_notice"),
            embed=embed,
            files=files,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        return Outcome.sent()
