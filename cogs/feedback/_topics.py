"""Topic ideas: members suggest what meetings could be about and up-vote each other's ideas with one button;
organisers plan an idea for a meeting (its announcement shows it) or close it."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Choice

from bot.checks import member_turn
from bot.client import MikroVirkBot
from bot.errors import UserFacingError
from bot.i18n import msgkey
from bot.limits import MemberCooldown
from bot.meetings import Meeting
from bot.render import EMBED_DESCRIPTION_MAX, clip, meeting_label, message_url, plain
from bot.rounds import Outcome, Round, RoundKind
from bot.services.once import round_post
from bot.topics import Topic, TopicStatus
from cogs._arguments import MAX_CHOICES
from cogs._embeds import BRAND_COLOUR
from cogs._interactions import IdButton, answers_errors, clean_text
from cogs._rounds import RoundHandler
from db import topics
from db.rounds import notice_about

log = logging.getLogger(__name__)

TOPIC_MAX = 200
# Each idea is a public post: one member posts at most one every five minutes.
SUGGEST_EVERY = timedelta(minutes=5)
# How long an answer waits for the post to go out, so it can link to it (Discord allows 15 minutes after deferring).
POST_PATIENCE = 3.0


class UpvoteButton(IdButton, template=r"mv:up:(?P<topic_id>\d+)"):
    """👍 with the count as its label; pressing it again takes the vote back."""

    def __init__(self, topic_id: int, count: int = 0) -> None:
        super().__init__(f"mv:up:{topic_id}", str(count), emoji="👍")
        self.topic_id = topic_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        bot = interaction.client
        idea = await topics.get(bot.db, bot.config.discord.guild_id, self.topic_id)
        if idea is None or idea.status is TopicStatus.CLOSED:
            raise UserFacingError("topics.errors.closed")
        voted, count = await topics.toggle_vote(bot.db, self.topic_id, interaction.user.id, bot.clock())
        # The post is never edited through this answer: answers to members voting at the same moment can land in
        # another order than their votes were counted, or fail. The Topics cog's coalesced edit reads the count
        # after this vote was written, so the post ends showing what the database holds.
        bot.dispatch("topic_outdated", self.topic_id)
        key = msgkey("topics.voted") if voted else msgkey("topics.unvoted")
        await interaction.response.send_message(bot.text_for(interaction, key, count=count), ephemeral=True)


def upvote_view(topic_id: int, count: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(UpvoteButton(topic_id, count))
    return view


class TopicArgument(app_commands.Transformer):
    """A topic idea named by its id (what the autocomplete puts in the option)."""

    async def transform(self, interaction: discord.Interaction[Any], value: str, /) -> Topic:
        bot: MikroVirkBot = interaction.client
        typed = value.strip()
        idea = await topics.get(bot.db, bot.config.discord.guild_id, int(typed)) if typed.isdigit() else None
        if idea is None:
            raise UserFacingError("topics.errors.unknown", typed=clip(value, 50))
        return idea

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], value: str, /
    ) -> list[Choice[str]]:
        bot: MikroVirkBot = interaction.client
        wanted = value.strip().lower()
        ideas = await topics.most_wanted(bot.db, bot.config.discord.guild_id, limit=100)
        return [
            Choice(name=clip(f"{idea.votes} 👍 {idea.text}", 100), value=str(idea.id))
            for idea in ideas
            if wanted in idea.text.lower()
        ][:MAX_CHOICES]


async def suggest(interaction: discord.Interaction[MikroVirkBot], topic: str, limit: MemberCooldown) -> None:
    """Save the idea with the round that posts it (in the network's language, with its up-vote button; the author's
    own vote counts first), then answer with its link, or that it goes up in a moment when Discord is slow or failing:
    the idea is never lost and never posted twice. Each idea is a public post, so a member posts at most one per
    ``limit``."""
    bot = interaction.client
    language = bot.language_of(interaction)
    text = clean_text(topic, TOPIC_MAX, bot.catalogue.text(language, "fields.topic"))
    assert text is not None
    guild_id = bot.config.discord.guild_id
    with member_turn(limit, interaction.user.id, bot.clock()):
        # Deferred first: an interaction that expired saves nothing, so the member's retry is the only idea.
        await interaction.response.defer(ephemeral=True, thinking=True)
        idea, round_id = await topics.suggest(
            bot.db, guild_id, interaction.user.id, interaction.user.display_name, text, bot.clock()
        )
    log.info("topic suggested", extra={"topic_id": idea.id, "user_id": interaction.user.id})
    await bot.rounds.run_briefly(round_id, POST_PATIENCE)
    posted = await topics.get(bot.db, guild_id, idea.id)
    if posted is not None and posted.channel_id is not None and posted.message_id is not None:
        answer = bot.catalogue.text(
            language, "topics.thanks", url=message_url(guild_id, posted.channel_id, posted.message_id)
        )
    else:
        answer = bot.catalogue.text(language, "topics.saved", channel=f"<#{topics_channel_id(bot)}>")
    await interaction.edit_original_response(content=answer)


def topics_channel_id(bot: MikroVirkBot) -> int:
    return bot.config.feedback.topics_channel_id or bot.config.discord.announcements_channel_id


class TopicPost(RoundHandler):
    """A member's idea goes up with its vote button, once (db.topics.suggest writes the round with the idea)."""

    kind = RoundKind.TOPIC_POST

    async def deliver(self, row: Round) -> Outcome:
        bot = self.bot
        idea = await topics.get(bot.db, row.guild_id, int(notice_about(row)))
        if idea is None:
            return Outcome.skipped("the idea was erased since")
        channel_id = topics_channel_id(bot)
        message_id = row.channel_message_id
        if message_id is None:
            if idea.author_id == 0:  # its author was erased, the idea stays
                content = bot.public_text("topics.post_anonymous", topic=plain(idea.text))
            else:
                name = await topics.author_name(bot.db, idea.id)
                content = bot.public_text("topics.post", name=plain(name), topic=plain(idea.text))
            channel = bot.get_partial_messageable(channel_id, guild_id=row.guild_id)
            posted = await round_post(
                bot,
                row,
                channel,
                content=content,
                view=upvote_view(idea.id, idea.votes),
                allowed_mentions=discord.AllowedMentions.none(),  # a member's text can never ping @everyone
            )
            channel_id, message_id = posted.channel.id, posted.id
        await topics.set_message(bot.db, idea.id, channel_id, message_id)
        return Outcome.sent()


async def refresh_post(bot: MikroVirkBot, topic_id: int) -> None:
    """The idea's post shows its count as the database holds it now, and no name once its author was erased."""
    idea = await topics.get(bot.db, bot.config.discord.guild_id, topic_id)
    if idea is None or idea.channel_id is None or idea.message_id is None:
        return
    post = bot.get_partial_messageable(idea.channel_id).get_partial_message(idea.message_id)
    view = upvote_view(idea.id, idea.votes)
    try:
        if idea.author_id == 0:
            await post.edit(content=bot.public_text("topics.post_anonymous", topic=plain(idea.text)), view=view)
        else:
            await post.edit(view=view)
    except discord.NotFound:
        log.info("topic post gone", extra={"topic_id": topic_id})


async def most_wanted(interaction: discord.Interaction[MikroVirkBot]) -> None:
    """``/topics``: the ideas with the most votes, privately."""
    bot = interaction.client
    language = bot.language_of(interaction)
    wanted = await topics.most_wanted(bot.db, bot.config.discord.guild_id)
    if not wanted:
        await interaction.response.send_message(bot.catalogue.text(language, "topics.none"), ephemeral=True)
        return
    planned = f" — {bot.catalogue.text(language, 'topics.planned')}"
    lines = [
        f"**{idea.votes}** 👍 {plain(idea.text)}" + (planned if idea.status is TopicStatus.PLANNED else "")
        for idea in wanted
    ]
    embed = discord.Embed(
        colour=BRAND_COLOUR,
        title=bot.catalogue.text(language, "topics.title"),
        description=clip("\n".join(lines), EMBED_DESCRIPTION_MAX),
    )
    await interaction.response.send_message(
        embed=embed, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
    )


async def plan(interaction: discord.Interaction[MikroVirkBot], idea: Topic, meeting: Meeting) -> None:
    bot = interaction.client
    language = bot.language_of(interaction)
    await topics.set_status(bot.db, idea.id, TopicStatus.PLANNED, meeting.id)
    bot.dispatch("announcement_outdated", meeting.id)
    if idea.meeting_id is not None and idea.meeting_id != meeting.id:
        bot.dispatch("announcement_outdated", idea.meeting_id)  # moved: the old meeting's post drops it
    await interaction.response.send_message(
        bot.catalogue.text(
            language,
            "topics.planned_for",
            topic=plain(idea.text),
            title=meeting_label(meeting, language, bot.catalogue),
        ),
        ephemeral=True,
        allowed_mentions=discord.AllowedMentions.none(),
    )


async def close(interaction: discord.Interaction[MikroVirkBot], idea: Topic) -> None:
    bot = interaction.client
    await topics.set_status(bot.db, idea.id, TopicStatus.CLOSED, idea.meeting_id)
    if idea.meeting_id is not None:
        bot.dispatch("announcement_outdated", idea.meeting_id)
    await interaction.response.send_message(
        bot.text_for(interaction, "topics.closed", topic=plain(idea.text)),
        ephemeral=True,
        allowed_mentions=discord.AllowedMentions.none(),
    )
