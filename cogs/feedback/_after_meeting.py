"""The poll after a meeting: an hour after it ends, those who came are asked "How valuable was the meeting?" in the
announcements channel and by DM, with buttons 1–5 and a comment form; answers can be changed until it closes."""

from __future__ import annotations

import logging
from datetime import datetime

import discord

from bot.client import MikroVirkBot
from bot.config import Language
from bot.errors import UserFacingError
from bot.meetings import Meeting
from bot.render import meeting_label
from bot.rounds import Outcome, Round, RoundKind
from bot.services.dm import DmMessage
from bot.services.once import round_post
from cogs._embeds import BRAND_COLOUR
from cogs._interactions import IdButton, MemberForm, answers_errors, clean_text
from cogs._rounds import MeetingRound
from cogs.feedback._polls import open_poll, refused_when_closed
from db import attendance, polls, rounds, rsvps

log = logging.getLogger(__name__)

# A comment fits a CSV cell and an embed line with room to spare.
COMMENT_MAX = 500


async def asked(bot: MikroVirkBot, meeting_id: int) -> list[int]:
    """Who the poll is for: those who checked in, or, if nobody did, those who said they were going."""
    came = await attendance.attendees(bot.db, meeting_id)
    return came or [attendee.user_id for attendee in (await rsvps.roster(bot.db, meeting_id)).going]


async def _may_answer(bot: MikroVirkBot, user_id: int, poll_id: int) -> None:
    guild = bot.get_guild(bot.config.discord.guild_id)
    if guild is None or guild.get_member(user_id) is None:
        raise UserFacingError("feedback.errors.not_member")
    await open_poll(bot, poll_id)


class RatingButton(IdButton, template=r"mv:fb:(?P<poll_id>\d+):(?P<rating>[1-5])"):
    def __init__(self, poll_id: int, rating: int) -> None:
        super().__init__(f"mv:fb:{poll_id}:{rating}", str(rating), style=discord.ButtonStyle.primary)
        self.poll_id = poll_id
        self.rating = rating

    @answers_errors
    async def callback(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        bot = interaction.client
        user_id = interaction.user.id
        await _may_answer(bot, user_id, self.poll_id)
        with refused_when_closed():
            await polls.rate(bot.db, self.poll_id, user_id, self.rating, bot.clock())
        log.info("feedback rated", extra={"poll_id": self.poll_id, "user_id": user_id, "rating": self.rating})
        await interaction.response.send_message(
            bot.text_for(interaction, "feedback.rated", rating=self.rating), ephemeral=True
        )


class CommentButton(IdButton, template=r"mv:fbc:(?P<poll_id>\d+)"):
    def __init__(self, poll_id: int, label: str = "") -> None:
        super().__init__(f"mv:fbc:{poll_id}", label, emoji="💬")
        self.poll_id = poll_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        bot = interaction.client
        await _may_answer(bot, interaction.user.id, self.poll_id)
        language = bot.language_of(interaction)
        await interaction.response.send_modal(CommentModal(bot, language, interaction.user.id, self.poll_id))


class CommentModal(MemberForm):
    def __init__(self, bot: MikroVirkBot, language: Language, opened_by: int, poll_id: int) -> None:
        text = bot.catalogue.text
        super().__init__(opened_by, title=text(language, "feedback.comment_title"), timeout=1800)
        self.poll_id = poll_id
        # The input sits in a Label (type 18): a text input directly in an action row is deprecated in modals.
        self.comment: discord.ui.TextInput[CommentModal] = discord.ui.TextInput(
            custom_id="comment",
            style=discord.TextStyle.paragraph,
            max_length=COMMENT_MAX,
            placeholder=text(language, "feedback.comment_placeholder")[:100],
        )
        self.add_item(discord.ui.Label(text=text(language, "feedback.comment_label")[:45], component=self.comment))

    @answers_errors
    async def on_submit(self, interaction: discord.Interaction[MikroVirkBot], /) -> None:
        bot = interaction.client
        comment = clean_text(self.comment.value, COMMENT_MAX, bot.text_for(interaction, "feedback.comment_label"))
        assert comment is not None
        with refused_when_closed():
            await polls.comment(bot.db, self.poll_id, interaction.user.id, comment, bot.clock())
        await interaction.response.send_message(bot.text_for(interaction, "feedback.commented"), ephemeral=True)


def feedback_view(poll_id: int, comment_label: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for rating in range(1, 6):
        view.add_item(RatingButton(poll_id, rating))
    view.add_item(CommentButton(poll_id, comment_label))
    return view


class FeedbackPoll(MeetingRound):
    """After a meeting ends: the poll in the announcements channel and by DM to those who came."""

    kind = RoundKind.FEEDBACK_POLL

    def due(self, meeting: Meeting) -> datetime | None:
        return meeting.ends_at + self.bot.config.feedback.after_end

    def relevant(self, meeting: Meeting, now: datetime) -> bool:
        return now < meeting.ends_at + self.bot.config.feedback.open_for

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        bot, text = self.bot, self.bot.catalogue.text
        language = bot.config.network.language
        question = text(language, "feedback.question")
        closes_at = meeting.ends_at + bot.config.feedback.after_end + bot.config.feedback.open_for
        poll = await polls.create_feedback_poll(bot.db, meeting.guild_id, meeting.id, question, closes_at, bot.clock())
        if poll.message_id is None:
            embed = discord.Embed(
                colour=BRAND_COLOUR,
                title=text(language, "feedback.title", title=meeting_label(meeting, language, bot.catalogue)),
                description=text(language, "feedback.intro", question=question),
            )
            channel = bot.get_partial_messageable(bot.config.discord.announcements_channel_id)
            posted = await round_post(
                bot, row, channel, embed=embed, view=feedback_view(poll.id, text(language, "feedback.comment_button"))
            )
            await polls.set_message(bot.db, poll.id, posted.channel.id, posted.id)
        if not row.audience_fixed:
            await rounds.fix_audience(bot.db, row.id, await asked(bot, meeting.id), bot.clock())

        def compose(user_id: int, member_language: Language) -> DmMessage:
            dm = text(
                member_language,
                "feedback.dm",
                title=meeting_label(meeting, member_language, bot.catalogue),
                question=text(member_language, "feedback.question"),
            )
            return DmMessage(dm, view=feedback_view(poll.id, text(member_language, "feedback.comment_button")))

        await bot.dm.deliver(row.id, compose)
        return Outcome.sent()
