"""Feedback and ideas: the poll after each meeting, topic suggestions with up-votes, and organisers' polls.

Buttons were chosen over Discord's native polls: native polls cannot be edited, cannot carry a comment form, cap
their duration and options, and cannot be answered from a DM — the feedback poll must reach attendees by DM and
keep one changeable answer per member in the database, and general polls reuse the same mechanism.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime
from typing import Any, cast

import discord
from discord import app_commands
from discord.app_commands import Choice, Range
from discord.ext import commands

from bot.charts import rating_distribution_png, season_png
from bot.checks import organiser_only
from bot.client import MikroVirkBot
from bot.config import Language, parse_offset
from bot.errors import UserFacingError
from bot.feedback import SeasonPoint, bar, summarise
from bot.i18n import msgkey
from bot.meetings import Meeting
from bot.render import clip, meeting_label, one_decimal, short_date
from bot.rounds import Outcome, Round, RoundKind
from bot.services.dm import DmMessage, delivery_nonce
from bot.services.rounds import MeetingRound, RoundHandler
from bot.translator import command_text
from cogs._embeds import BRAND_COLOUR
from cogs._interactions import clean_text
from cogs.feedback._views import CommentButton, CommentModal, RatingButton, UpvoteButton, VoteButton
from cogs.meetings._cog import Meetings
from db import attendance, meetings, polls, rounds, rsvps, topics

log = logging.getLogger(__name__)

TOPIC_MAX = 200
QUESTION_MAX = 300  # the same as Discord's native polls, so questions stay short on a phone
OPTION_MAX = 80  # a button label
MAX_OPTIONS = 10


def feedback_view(poll_id: int, comment_label: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for rating in range(1, 6):
        view.add_item(RatingButton(poll_id, rating))
    view.add_item(CommentButton(poll_id, comment_label))
    return view


class FeedbackPoll(MeetingRound):
    """After a meeting ends: the poll in the announcements channel and by DM to those who came."""

    kind = RoundKind.FEEDBACK_POLL

    def __init__(self, bot: MikroVirkBot, cog: Feedback) -> None:
        super().__init__(bot)
        self.cog = cog

    def due(self, meeting: Meeting) -> datetime | None:
        return meeting.ends_at + self.bot.config.feedback.after_end

    def relevant(self, meeting: Meeting, now: datetime) -> bool:
        return now < meeting.ends_at + self.bot.config.feedback.open_for

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        language = self.bot.config.network.language
        question = self.bot.catalogue.text(language, "feedback.question")
        closes_at = meeting.ends_at + self.bot.config.feedback.after_end + self.bot.config.feedback.open_for
        poll = await polls.create_feedback_poll(
            self.bot.db, meeting.guild_id, meeting.id, question, closes_at, self.bot.clock()
        )
        if poll.message_id is None:
            embed = discord.Embed(
                colour=BRAND_COLOUR,
                title=self.bot.catalogue.text(
                    language, "feedback.title", title=meeting_label(meeting, language, self.bot.catalogue)
                ),
                description=self.bot.catalogue.text(language, "feedback.intro", question=question),
            )
            channel = self.bot.get_partial_messageable(self.bot.config.discord.announcements_channel_id)
            posted = await channel.send(
                embed=embed,
                view=feedback_view(poll.id, self.bot.catalogue.text(language, "feedback.comment_button")),
                nonce=delivery_nonce(row.id),
            )
            await polls.set_message(self.bot.db, poll.id, posted.channel.id, posted.id)
        if not row.audience_fixed:
            audience = await attendance.attendees(self.bot.db, meeting.id)
            if not audience:  # nobody checked in: ask those who said they were going
                roster = await rsvps.roster(self.bot.db, meeting.id)
                audience = [attendee.user_id for attendee in roster.going]
            await rounds.fix_audience(self.bot.db, row.id, audience, self.bot.clock())

        def compose(user_id: int, member_language: Language) -> DmMessage:
            text = self.bot.catalogue.text(
                member_language,
                "feedback.dm",
                title=meeting_label(meeting, member_language, self.bot.catalogue),
                question=self.bot.catalogue.text(member_language, "feedback.question"),
            )
            return DmMessage(
                text, view=feedback_view(poll.id, self.bot.catalogue.text(member_language, "feedback.comment_button"))
            )

        await self.bot.dm.deliver(row.id, compose)
        return Outcome.sent()


class FeedbackClose(MeetingRound):
    """When answers close: the result summary for the organisers."""

    kind = RoundKind.FEEDBACK_CLOSE

    def __init__(self, bot: MikroVirkBot, cog: Feedback) -> None:
        super().__init__(bot)
        self.cog = cog

    def due(self, meeting: Meeting) -> datetime | None:
        return meeting.ends_at + self.bot.config.feedback.after_end + self.bot.config.feedback.open_for

    def relevant(self, meeting: Meeting, now: datetime) -> bool:
        return True

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        poll = await polls.feedback_poll(self.bot.db, meeting.id)
        if poll is None:
            return Outcome.skipped("no feedback poll was sent")
        await polls.close(self.bot.db, poll.id)
        language = self.bot.config.network.language
        embed, files = await self.cog.results(meeting, language, with_season=False)
        channel = self.bot.get_partial_messageable(self.bot.config.discord.organisers_channel_id)
        await channel.send(
            self.bot.catalogue.text(language, "feedback.closed_notice"),
            embed=embed,
            files=files,
            allowed_mentions=discord.AllowedMentions.none(),
            nonce=delivery_nonce(row.id),
        )
        return Outcome.sent()


class PollClose(RoundHandler):
    """An organiser's poll closes: its buttons go and the final counts stay."""

    kind = RoundKind.POLL_CLOSE

    def __init__(self, bot: MikroVirkBot, cog: Feedback) -> None:
        super().__init__(bot)
        self.cog = cog

    async def deliver(self, row: Round) -> Outcome:
        poll = await polls.get(self.bot.db, int(row.subject))
        if poll is None:
            return Outcome.skipped("poll deleted")
        await polls.close(self.bot.db, poll.id)
        if poll.message_id is None or poll.channel_id is None:
            return Outcome.skipped("the poll was never posted")
        embed, _ = await self.cog.poll_message(poll, closed=True)
        channel = self.bot.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id)
        try:
            await channel.get_partial_message(poll.message_id).edit(embed=embed, view=None)
        except discord.NotFound:
            return Outcome.skipped("the poll's message was deleted")
        return Outcome.sent()


class Feedback(commands.Cog):
    feedback_group = app_commands.Group(
        name="feedback", description=command_text("cmd.feedback.description"), guild_only=True
    )
    topic_group = app_commands.Group(name="topic", description=command_text("cmd.topic.description"), guild_only=True)
    poll_group = app_commands.Group(name="poll", description=command_text("cmd.poll.description"), guild_only=True)

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot
        self.rounds: tuple[RoundHandler, ...] = (
            FeedbackPoll(bot, self),
            FeedbackClose(bot, self),
            PollClose(bot, self),
        )

    @property
    def meetings(self) -> Meetings:
        return cast(Meetings, self.bot.get_cog("Meetings"))

    @property
    def guild_id(self) -> int:
        return self.bot.config.discord.guild_id

    def _text(self, language: Language, key: str, /, **params: object) -> str:
        return self.bot.catalogue.text(language, key, **params)

    # -- answering the feedback poll ----------------------------------------------------------------------------------

    def _is_member(self, user_id: int) -> bool:
        guild = self.bot.get_guild(self.guild_id)
        return guild is not None and guild.get_member(user_id) is not None

    async def _open_poll(self, poll_id: int) -> polls.Poll:
        poll = await polls.get(self.bot.db, poll_id)
        if poll is None or not poll.open_at(self.bot.clock()):
            raise UserFacingError("feedback.errors.closed")
        return poll

    async def rate(self, interaction: discord.Interaction[Any], poll_id: int, rating: int) -> None:
        language = self.bot.language_of(interaction)
        if not self._is_member(interaction.user.id):
            raise UserFacingError("feedback.errors.not_member")
        await self._open_poll(poll_id)
        try:
            await polls.rate(self.bot.db, poll_id, interaction.user.id, rating, self.bot.clock())
        except polls.PollClosed:
            raise UserFacingError("feedback.errors.closed") from None
        log.info("feedback rated", extra={"poll_id": poll_id, "user_id": interaction.user.id, "rating": rating})
        await interaction.response.send_message(self._text(language, "feedback.rated", rating=rating), ephemeral=True)

    async def open_comment(self, interaction: discord.Interaction[Any], poll_id: int) -> None:
        language = self.bot.language_of(interaction)
        if not self._is_member(interaction.user.id):
            raise UserFacingError("feedback.errors.not_member")
        await self._open_poll(poll_id)
        await interaction.response.send_modal(
            CommentModal(
                poll_id,
                self._text(language, "feedback.comment_title"),
                self._text(language, "feedback.comment_label"),
                self._text(language, "feedback.comment_placeholder"),
            )
        )

    async def save_comment(self, interaction: discord.Interaction[Any], poll_id: int, value: str) -> None:
        language = self.bot.language_of(interaction)
        text = clean_text(value, 500, self._text(language, "feedback.comment_label"))
        assert text is not None
        try:
            await polls.comment(self.bot.db, poll_id, interaction.user.id, text, self.bot.clock())
        except polls.PollClosed:
            raise UserFacingError("feedback.errors.closed") from None
        await interaction.response.send_message(self._text(language, "feedback.commented"), ephemeral=True)

    # -- results ------------------------------------------------------------------------------------------------------

    async def results(
        self, meeting: Meeting, language: Language, *, with_season: bool
    ) -> tuple[discord.Embed, list[discord.File]]:
        poll = await polls.feedback_poll(self.bot.db, meeting.id)
        answers = await polls.ratings(self.bot.db, poll.id) if poll else []
        audience = len(await attendance.attendees(self.bot.db, meeting.id)) or len(
            (await rsvps.roster(self.bot.db, meeting.id)).going
        )
        summary = summarise(answers, audience)
        largest = max(summary.distribution) or 1
        lines = [
            f"{rating} ★ {bar(count, largest)} {count}"
            for rating, count in zip(range(1, 6), summary.distribution, strict=True)
        ]
        embed = discord.Embed(
            colour=BRAND_COLOUR,
            title=self._text(
                language, "feedback.results_title", title=meeting_label(meeting, language, self.bot.catalogue)
            ),
            description=self._text(
                language,
                "feedback.results_summary",
                average=one_decimal(summary.average, language),
                answers=summary.answers,
                attendees=summary.attendees,
            )
            + "\n"
            + "\n".join(lines),
        )
        if summary.comments:
            embed.add_field(
                name=self._text(language, "feedback.comments", count=len(summary.comments)),
                value=clip("\n".join(f"• {comment}" for comment in summary.comments), 1024),
                inline=False,
            )
        files = [
            discord.File(
                io.BytesIO(
                    rating_distribution_png(
                        summary.distribution,
                        self._text(language, "feedback.chart_title"),
                        self._text(language, "feedback.chart_x"),
                        self._text(language, "feedback.chart_y"),
                    )
                ),
                filename="ratings.png",
            )
        ]
        embed.set_image(url="attachment://ratings.png")
        if with_season:
            season = await polls.season(self.bot.db, self.guild_id, self.bot.clock())
            points = [
                SeasonPoint(short_date(start.astimezone(meeting.timezone), language), avg, came)
                for start, avg, came in season
            ]
            files.append(
                discord.File(
                    io.BytesIO(
                        season_png(
                            points,
                            self._text(language, "feedback.season_title"),
                            self._text(language, "feedback.season_rating"),
                            self._text(language, "feedback.season_attendance"),
                        )
                    ),
                    filename="season.png",
                )
            )
        return embed, files

    async def past_meeting_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        language = self.bot.language_of(interaction)
        recent = await meetings.recent_meetings(self.bot.db, self.guild_id, self.bot.clock())
        wanted = current.strip().lower()
        labels = [(m, self.meetings.label(m, language)) for m in recent]
        return [Choice(name=label, value=str(m.id)) for m, label in labels if wanted in label.lower()][:25]

    @feedback_group.command(name="results", description=command_text("cmd.feedback.results.description"))
    @app_commands.describe(meeting=command_text("cmd.meeting.option_meeting"))
    @app_commands.autocomplete(meeting=past_meeting_autocomplete)
    @organiser_only()
    async def show_results(self, interaction: discord.Interaction[MikroVirkBot], meeting: str) -> None:
        language = self.bot.language_of(interaction)
        target = await self.meetings.meeting_option(meeting, coming_only=False)
        await interaction.response.defer(ephemeral=True, thinking=True)
        embed, files = await self.results(target, language, with_season=True)
        await interaction.followup.send(embed=embed, files=files, ephemeral=True)

    @feedback_group.command(name="export", description=command_text("cmd.feedback.export.description"))
    @organiser_only()
    async def export(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        language = self.bot.language_of(interaction)
        rows = await polls.export_rows(self.bot.db, self.guild_id, self._text(language, "feedback.anonymous"))
        ideas = await topics.all_topics(self.bot.db, self.guild_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([self._text(language, key) for key in EXPORT_HEADER])
        for row in rows:
            when = row.meeting_start.isoformat() if row.meeting_start else ""
            writer.writerow(
                [
                    when,
                    row.question,
                    row.name,
                    row.rating or "",
                    row.option or "",
                    row.comment or "",
                    row.answered_at.isoformat(),
                ]
            )
        writer.writerow([])
        writer.writerow([self._text(language, key) for key in TOPIC_HEADER])
        for idea in ideas:
            writer.writerow([idea.text, idea.votes, self._text(language, TOPIC_STATUS_KEYS[idea.status])])
        data = ("\ufeff" + buffer.getvalue()).encode("utf-8")  # a byte-order mark so Excel reads æøå right
        await interaction.response.send_message(
            self._text(language, "feedback.exported", answers=len(rows), topics=len(ideas)),
            file=discord.File(io.BytesIO(data), filename="mikrovirk-feedback.csv"),
            ephemeral=True,
        )

    # -- topic ideas --------------------------------------------------------------------------------------------------

    @app_commands.command(name="suggest", description=command_text("cmd.suggest.description"))
    @app_commands.describe(topic=command_text("cmd.suggest.option_topic"))
    @app_commands.guild_only()
    async def suggest(self, interaction: discord.Interaction[MikroVirkBot], topic: Range[str, 1, TOPIC_MAX]) -> None:
        language = self.bot.language_of(interaction)
        text = clean_text(topic, TOPIC_MAX, self._text(language, "fields.topic"))
        assert text is not None
        idea = await topics.suggest(
            self.bot.db, self.guild_id, interaction.user.id, interaction.user.display_name, text, self.bot.clock()
        )
        channel_id = self.bot.config.feedback.topics_channel_id or self.bot.config.discord.announcements_channel_id
        network = self.bot.config.network.language
        view = discord.ui.View(timeout=None)
        view.add_item(UpvoteButton(idea.id, idea.votes))
        posted = await self.bot.get_partial_messageable(channel_id, guild_id=self.guild_id).send(
            self._text(network, "topics.post", name=interaction.user.display_name, topic=text),
            view=view,
            allowed_mentions=discord.AllowedMentions.none(),  # a member's text can never ping @everyone
        )
        await topics.set_message(self.bot.db, idea.id, posted.channel.id, posted.id)
        log.info("topic suggested", extra={"topic_id": idea.id, "user_id": interaction.user.id})
        await interaction.response.send_message(
            self._text(language, "topics.thanks", url=posted.jump_url), ephemeral=True
        )

    async def upvote(self, interaction: discord.Interaction[Any], topic_id: int) -> None:
        language = self.bot.language_of(interaction)
        idea = await topics.get(self.bot.db, self.guild_id, topic_id)
        if idea is None or idea.status == "closed":
            raise UserFacingError("topics.errors.closed")
        voted, count = await topics.toggle_vote(self.bot.db, topic_id, interaction.user.id, self.bot.clock())
        view = discord.ui.View(timeout=None)
        view.add_item(UpvoteButton(topic_id, count))
        await interaction.response.edit_message(view=view)
        await interaction.followup.send(
            self._text(language, msgkey("topics.voted") if voted else msgkey("topics.unvoted"), count=count),
            ephemeral=True,
        )

    @app_commands.command(name="topics", description=command_text("cmd.topics.description"))
    @app_commands.guild_only()
    async def list_topics(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        language = self.bot.language_of(interaction)
        wanted = await topics.most_wanted(self.bot.db, self.guild_id)
        if not wanted:
            await interaction.response.send_message(self._text(language, "topics.none"), ephemeral=True)
            return
        lines = [
            f"**{idea.votes}** 👍 {idea.text}"
            + (f" — {self._text(language, 'topics.planned')}" if idea.status == "planned" else "")
            for idea in wanted
        ]
        embed = discord.Embed(
            colour=BRAND_COLOUR, title=self._text(language, "topics.title"), description=clip("\n".join(lines), 4096)
        )
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

    async def topic_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        wanted = current.strip().lower()
        ideas = await topics.most_wanted(self.bot.db, self.guild_id, limit=100)
        return [
            Choice(name=clip(f"{i.votes} 👍 {i.text}", 100), value=str(i.id)) for i in ideas if wanted in i.text.lower()
        ][:25]

    async def _topic(self, value: str) -> topics.Topic:
        idea = await topics.get(self.bot.db, self.guild_id, int(value)) if value.strip().isdigit() else None
        if idea is None:
            raise UserFacingError("topics.errors.unknown", typed=clip(value, 50))
        return idea

    @topic_group.command(name="plan", description=command_text("cmd.topic.plan.description"))
    @app_commands.describe(
        topic=command_text("cmd.topic.option_topic"), meeting=command_text("cmd.meeting.option_meeting")
    )
    @app_commands.autocomplete(topic=topic_autocomplete)
    @organiser_only()
    async def plan_topic(self, interaction: discord.Interaction[MikroVirkBot], topic: str, meeting: str) -> None:
        language = self.bot.language_of(interaction)
        idea = await self._topic(topic)
        target = await self.meetings.meeting_option(meeting)
        await topics.set_status(self.bot.db, idea.id, "planned", target.id)
        self.meetings.announcer.request_refresh(target.id)
        await interaction.response.send_message(
            self._text(language, "topics.planned_for", topic=idea.text, title=self.meetings.label(target, language)),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @plan_topic.autocomplete("meeting")
    async def _plan_meeting_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[Choice[str]]:
        return await self.meetings.meeting_autocomplete(interaction, current)

    @topic_group.command(name="close", description=command_text("cmd.topic.close.description"))
    @app_commands.describe(topic=command_text("cmd.topic.option_topic"))
    @app_commands.autocomplete(topic=topic_autocomplete)
    @organiser_only()
    async def close_topic(self, interaction: discord.Interaction[MikroVirkBot], topic: str) -> None:
        language = self.bot.language_of(interaction)
        idea = await self._topic(topic)
        await topics.set_status(self.bot.db, idea.id, "closed", idea.meeting_id)
        if idea.meeting_id is not None:
            self.meetings.announcer.request_refresh(idea.meeting_id)
        await interaction.response.send_message(
            self._text(language, "topics.closed", topic=idea.text),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    # -- general polls ------------------------------------------------------------------------------------------------

    @poll_group.command(name="create", description=command_text("cmd.poll.create.description"))
    @app_commands.describe(
        question=command_text("cmd.poll.option_question"),
        options=command_text("cmd.poll.option_options"),
        anonymous=command_text("cmd.poll.option_anonymous"),
        closes_in=command_text("cmd.poll.option_closes_in"),
    )
    @organiser_only()
    async def create_poll(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        question: Range[str, 1, QUESTION_MAX],
        options: Range[str, 1, 1000],
        anonymous: bool = False,
        closes_in: Range[str, 1, 10] | None = None,
    ) -> None:
        language = self.bot.language_of(interaction)
        asked = clean_text(question, QUESTION_MAX, self._text(language, "fields.question"))
        assert asked is not None
        choices = [part.strip() for part in options.split(";") if part.strip()]
        if not 2 <= len(choices) <= MAX_OPTIONS:
            raise UserFacingError("poll.errors.options", typed=clip(options, 100))
        if any(len(choice) > OPTION_MAX for choice in choices):
            raise UserFacingError(
                "errors.too_long",
                field=self._text(language, "fields.option"),
                limit=OPTION_MAX,
                length=max(map(len, choices)),
            )
        closes_at = None
        if closes_in:
            try:
                closes_at = self.bot.clock() + parse_offset(closes_in)
            except ValueError:
                raise UserFacingError("poll.errors.closes_in", typed=clip(closes_in, 20)) from None
        poll = await polls.create_general(
            self.bot.db, self.guild_id, asked, choices, anonymous, closes_at, interaction.user.id, self.bot.clock()
        )
        embed, view = await self.poll_message(poll, closed=False)
        assert view is not None  # an open poll always has its buttons
        channel = self.bot.get_partial_messageable(
            self.bot.config.discord.announcements_channel_id, guild_id=self.guild_id
        )
        posted = await channel.send(embed=embed, view=view, allowed_mentions=discord.AllowedMentions.none())
        await polls.set_message(self.bot.db, poll.id, posted.channel.id, posted.id)
        if closes_at is not None:
            closing = await rounds.plan(
                self.bot.db,
                self.guild_id,
                None,
                RoundKind.POLL_CLOSE,
                str(poll.id),
                closes_at,
                None,
                self.bot.clock(),
                may_be_late=False,
            )
            if closing is not None:
                self.bot.rounds.arm(closing)
        await interaction.response.send_message(
            self._text(language, "poll.created", url=posted.jump_url), ephemeral=True
        )

    async def poll_message(self, poll: polls.Poll, *, closed: bool) -> tuple[discord.Embed, discord.ui.View | None]:
        language = self.bot.config.network.language
        counts = await polls.votes(self.bot.db, poll.id)
        total = sum(len(voters) for voters in counts.values())
        largest = max((len(v) for v in counts.values()), default=0) or 1
        lines = []
        for position, label in enumerate(poll.options):
            voters = counts.get(position, [])
            lines.append(f"**{label}** — {len(voters)} {bar(len(voters), largest)}")
        embed = discord.Embed(colour=BRAND_COLOUR, title=clip(poll.question, 256), description="\n".join(lines))
        footer = self._text(language, msgkey("poll.closed_footer") if closed else msgkey("poll.footer"), total=total)
        if poll.anonymous:
            footer += " · " + self._text(language, "poll.anonymous")
        if poll.closes_at and not closed:
            embed.add_field(name=self._text(language, "poll.closes"), value=f"<t:{int(poll.closes_at.timestamp())}:R>")
        embed.set_footer(text=footer)
        if closed:
            return embed, None
        view = discord.ui.View(timeout=None)
        for position, label in enumerate(poll.options):
            view.add_item(VoteButton(poll.id, position, label))
        return embed, view

    async def vote(self, interaction: discord.Interaction[Any], poll_id: int, option: int) -> None:
        language = self.bot.language_of(interaction)
        poll = await self._open_poll(poll_id)
        if option >= len(poll.options):
            raise UserFacingError("feedback.errors.closed")
        try:
            await polls.vote(self.bot.db, poll_id, interaction.user.id, option, self.bot.clock())
        except polls.PollClosed:
            raise UserFacingError("feedback.errors.closed") from None
        embed, view = await self.poll_message(poll, closed=False)
        await interaction.response.edit_message(embed=embed, view=view)
        await interaction.followup.send(self._text(language, "poll.voted", option=poll.options[option]), ephemeral=True)


EXPORT_HEADER = (
    msgkey("feedback.csv_meeting"),
    msgkey("feedback.csv_question"),
    msgkey("feedback.csv_member"),
    msgkey("feedback.csv_rating"),
    msgkey("feedback.csv_option"),
    msgkey("feedback.csv_comment"),
    msgkey("feedback.csv_answered_at"),
)
TOPIC_HEADER = (msgkey("feedback.csv_topic"), msgkey("feedback.csv_votes"), msgkey("feedback.csv_status"))
TOPIC_STATUS_KEYS = {
    "open": msgkey("topics.status_open"),
    "planned": msgkey("topics.status_planned"),
    "closed": msgkey("topics.status_closed"),
}
