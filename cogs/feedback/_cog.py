"""The feature's three cogs, routing only: the poll after a meeting, topic ideas, organisers' polls."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import Range
from discord.ext import commands

from bot.checks import organiser_only
from bot.client import MikroVirkBot
from bot.limits import MemberCooldown
from bot.meetings import Meeting
from bot.topics import Topic
from bot.translator import command_text
from cogs._arguments import ComingMeeting, PastMeeting
from cogs.feedback import _polls, _results, _topics
from cogs.feedback._polls import QUESTION_MAX
from cogs.feedback._topics import TOPIC_MAX, TopicArgument


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

    @commands.Cog.listener()
    async def on_topic_outdated(self, topic_id: int) -> None:
        """A vote or the author of an idea was erased: its post shows the new count, and no name."""
        await _topics.refresh_post(self.bot, topic_id)

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
