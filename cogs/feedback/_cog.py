"""The feature's three cogs, routing only: the poll after a meeting, topic ideas, organisers' polls."""

from __future__ import annotations

import asyncio
import contextlib
import functools

import discord
from discord import app_commands
from discord.app_commands import Range
from discord.ext import commands

from bot.checks import organiser_only
from bot.client import MikroVirkBot
from bot.coalesce import Coalescer
from bot.limits import MemberCooldown
from bot.meetings import Meeting
from bot.topics import Topic
from bot.translator import command_text
from cogs._arguments import ComingMeeting, PastMeeting
from cogs.feedback import _polls, _results, _topics
from cogs.feedback._polls import QUESTION_MAX
from cogs.feedback._topics import TOPIC_MAX, TopicArgument

# Nothing at start redraws the posts votes were cast on, so a graceful stop lets the count edits already asked for go
# out; what is still pending after this long is dropped, and the post's next vote redraws it.
POST_EDITS_GRACE_SECONDS = 5.0


async def finish_post_edits(posts: Coalescer[int]) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(posts.drain(), POST_EDITS_GRACE_SECONDS)
    await posts.close()


class Feedback(commands.Cog):
    """The poll after a meeting: its results and the export (the poll itself goes out by timed rounds)."""

    feedback_group = app_commands.Group(
        name="feedback", description=command_text("cmd.feedback.description"), guild_only=True
    )

    @feedback_group.command(name="results", description=command_text("cmd.feedback.results.description"))
    @app_commands.describe(meeting=command_text("cmd.meeting.option_meeting"))
    @organiser_only()
    async def results(
        self, interaction: discord.Interaction[MikroVirkBot], meeting: app_commands.Transform[Meeting, PastMeeting]
    ) -> None:
        await _results.show(interaction, meeting)

    @feedback_group.command(name="export", description=command_text("cmd.feedback.export.description"))
    @organiser_only()
    async def export(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        await _results.export(interaction)


class Topics(commands.Cog):
    """Topic ideas with up-votes."""

    topic_group = app_commands.Group(name="topic", description=command_text("cmd.topic.description"), guild_only=True)

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot
        self.suggestions = MemberCooldown(_topics.SUGGEST_EVERY)
        # Votes come in bursts; every idea's post is in one channel, whose edit limit (about 5 per 5 s) they share.
        self.posts: Coalescer[int] = Coalescer(
            functools.partial(_topics.refresh_post, bot),
            group_of=lambda _topic_id: "topics",
            expected=(discord.HTTPException,),
        )

    async def cog_unload(self) -> None:
        await finish_post_edits(self.posts)

    @commands.Cog.listener()
    async def on_topic_outdated(self, topic_id: int) -> None:
        """A vote was cast, taken back or erased, or the author of an idea was erased: soon its post shows the count
        the database holds then, and no name."""
        self.posts.request(topic_id)

    @app_commands.command(name="suggest", description=command_text("cmd.suggest.description"))
    @app_commands.describe(topic=command_text("cmd.suggest.option_topic"))
    @app_commands.guild_only()
    async def suggest(self, interaction: discord.Interaction[MikroVirkBot], topic: Range[str, 1, TOPIC_MAX]) -> None:
        await _topics.suggest(interaction, topic, self.suggestions)

    @app_commands.command(name="topics", description=command_text("cmd.topics.description"))
    @app_commands.guild_only()
    async def most_wanted(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        await _topics.most_wanted(interaction)

    @topic_group.command(name="plan", description=command_text("cmd.topic.plan.description"))
    @app_commands.describe(
        topic=command_text("cmd.topic.option_topic"), meeting=command_text("cmd.meeting.option_meeting")
    )
    @organiser_only()
    async def plan(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        topic: app_commands.Transform[Topic, TopicArgument],
        meeting: app_commands.Transform[Meeting, ComingMeeting],
    ) -> None:
        await _topics.plan(interaction, topic, meeting)

    @topic_group.command(name="close", description=command_text("cmd.topic.close.description"))
    @app_commands.describe(topic=command_text("cmd.topic.option_topic"))
    @organiser_only()
    async def close(
        self, interaction: discord.Interaction[MikroVirkBot], topic: app_commands.Transform[Topic, TopicArgument]
    ) -> None:
        await _topics.close(interaction, topic)


class Polls(commands.Cog):
    """Organisers' polls with buttons."""

    poll_group = app_commands.Group(name="poll", description=command_text("cmd.poll.description"), guild_only=True)

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot
        # Votes come in bursts: a poll's post is edited about once a second at most. Polls are in the announcements
        # channel (about 5 edits per 5 s), whose announcement edits are paced apart; discord.py waits out a 429.
        self.posts: Coalescer[int] = Coalescer(
            self._refresh, group_of=lambda _poll_id: "polls", expected=(discord.HTTPException,)
        )

    async def cog_unload(self) -> None:
        await finish_post_edits(self.posts)

    @commands.Cog.listener()
    async def on_poll_outdated(self, poll_id: int) -> None:
        """A vote was cast or the poll closed: soon its post shows the bars the database holds then."""
        self.posts.request(poll_id)

    async def _refresh(self, poll_id: int) -> None:
        await _polls.edit_post(self.bot, poll_id)

    @poll_group.command(name="create", description=command_text("cmd.poll.create.description"))
    @app_commands.describe(
        question=command_text("cmd.poll.option_question"),
        options=command_text("cmd.poll.option_options"),
        anonymous=command_text("cmd.poll.option_anonymous"),
        closes_in=command_text("cmd.poll.option_closes_in"),
    )
    @organiser_only()
    async def create(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        question: Range[str, 1, QUESTION_MAX],
        options: Range[str, 1, 1000],
        anonymous: bool = False,
        closes_in: Range[str, 1, 10] | None = None,
    ) -> None:
        await _polls.create(interaction, question, options, anonymous, closes_in)
