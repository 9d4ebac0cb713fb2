"""Buttons and forms of the feedback feature; persistent, the custom id carries what it is about."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import discord

from cogs._interactions import IdButton, answers_errors

if TYPE_CHECKING:
    from bot.client import MikroVirkBot
    from cogs.feedback._cog import Feedback

# A comment fits a CSV cell and an embed line with room to spare.
COMMENT_MAX = 500


def feedback_cog(interaction: discord.Interaction[Any]) -> Feedback:
    bot: MikroVirkBot = interaction.client
    return cast("Feedback", bot.get_cog("Feedback"))


class RatingButton(IdButton, template=r"mv:fb:(?P<poll_id>\d+):(?P<rating>[1-5])"):
    def __init__(self, poll_id: int, rating: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=str(rating), style=discord.ButtonStyle.primary, custom_id=f"mv:fb:{poll_id}:{rating}"
            )
        )
        self.poll_id = poll_id
        self.rating = rating

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await feedback_cog(interaction).rate(interaction, self.poll_id, self.rating)


class CommentButton(IdButton, template=r"mv:fbc:(?P<poll_id>\d+)"):
    def __init__(self, poll_id: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label, emoji="💬", style=discord.ButtonStyle.secondary, custom_id=f"mv:fbc:{poll_id}"
            )
        )
        self.poll_id = poll_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await feedback_cog(interaction).open_comment(interaction, self.poll_id)


class CommentModal(discord.ui.Modal):
    def __init__(self, poll_id: int, title: str, label: str, placeholder: str) -> None:
        super().__init__(title=title[:45], custom_id=f"mv:fbc-modal:{poll_id}", timeout=1800)
        self.poll_id = poll_id
        # The input sits in a Label (type 18): a text input directly in an action row is deprecated in modals.
        self.comment: discord.ui.TextInput[CommentModal] = discord.ui.TextInput(
            custom_id="comment",
            style=discord.TextStyle.paragraph,
            max_length=COMMENT_MAX,
            placeholder=placeholder[:100],
        )
        self.add_item(discord.ui.Label(text=label[:45], component=self.comment))

    @answers_errors
    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await feedback_cog(interaction).save_comment(interaction, self.poll_id, self.comment.value)


class UpvoteButton(IdButton, template=r"mv:up:(?P<topic_id>\d+)"):
    def __init__(self, topic_id: int, count: int = 0) -> None:
        super().__init__(
            discord.ui.Button(
                label=str(count), emoji="👍", style=discord.ButtonStyle.secondary, custom_id=f"mv:up:{topic_id}"
            )
        )
        self.topic_id = topic_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await feedback_cog(interaction).upvote(interaction, self.topic_id)


class VoteButton(IdButton, template=r"mv:pv:(?P<poll_id>\d+):(?P<option>\d)"):
    def __init__(self, poll_id: int, option: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80] or str(option + 1),
                style=discord.ButtonStyle.secondary,
                custom_id=f"mv:pv:{poll_id}:{option}",
            )
        )
        self.poll_id = poll_id
        self.option = option

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await feedback_cog(interaction).vote(interaction, self.poll_id, self.option)


DYNAMIC_ITEMS = (RatingButton, CommentButton, UpvoteButton, VoteButton)
