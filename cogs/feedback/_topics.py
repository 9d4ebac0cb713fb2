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
from bot.render import EMBED_DESCRIPTION_MAX, clip, meeting_label, plain
from bot.topics import Topic, TopicStatus
from cogs._arguments import MAX_CHOICES
from cogs._embeds import BRAND_COLOUR
from cogs._interactions import IdButton, answers_errors, clean_text
from db import topics

log = logging.getLogger(__name__)

TOPIC_MAX = 200
# Each idea is a public post: one member posts at most one every five minutes.
SUGGEST_EVERY = timedelta(minutes=5)


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
        await interaction.response.edit_message(view=upvote_view(self.topic_id, count))
        key = msgkey("topics.voted") if voted else msgkey("topics.unvoted")
        await interaction.followup.send(bot.text_for(interaction, key, count=count), ephemeral=True)


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
    """Post the idea (in the network's language) with its up-vote button; the author's own vote counts first. Each
    idea is a public post, so a member posts at most one per ``limit``."""
    bot = interaction.client
    language = bot.language_of(interaction)
    text = clean_text(topic, TOPIC_MAX, bot.catalogue.text(language, "fields.topic"))
    assert text is not None
    guild_id = bot.config.discord.guild_id
    name = interaction.user.display_name
    with member_turn(limit, interaction.user.id, bot.clock()):
        idea = await topics.suggest(bot.db, guild_id, interaction.user.id, name, text, bot.clock())
        channel_id = bot.config.feedback.topics_channel_id or bot.config.discord.announcements_channel_id
        posted = await bot.get_partial_messageable(channel_id, guild_id=guild_id).send(
            bot.public_text("topics.post", name=plain(name), topic=plain(text)),
            view=upvote_view(idea.id, idea.votes),
            allowed_mentions=discord.AllowedMentions.none(),  # a member's text can never ping @everyone
        )
    await topics.set_message(bot.db, idea.id, posted.channel.id, posted.id)
    log.info("topic suggested", extra={"topic_id": idea.id, "user_id": interaction.user.id})
    await interaction.response.send_message(
        bot.catalogue.text(language, "topics.thanks", url=posted.jump_url), ephemeral=True
    )


async def refresh_post(bot: MikroVirkBot, topic_id: int) -> None:
    """The idea's post after a vote was erased (the count) or its author was (the name goes, the idea stays)."""
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
