"""Feedback and ideas, three cogs in one package: the poll after each meeting, topic ideas with up-votes, and
organisers' polls. One package because the two kinds of poll are one aggregate with one answering rule, and one
export takes away every answer and idea.

Buttons were chosen over Discord's native polls: native polls cannot be edited, cannot carry a comment form, cap
their duration and options, and cannot be answered from a DM — the feedback poll must reach attendees by DM and
keep one changeable answer per member in the database, and general polls reuse the same mechanism.
"""

from __future__ import annotations

from bot.client import MikroVirkBot
from cogs.feedback._after_meeting import CommentButton, FeedbackPoll, RatingButton
from cogs.feedback._cog import Feedback, Polls, Topics
from cogs.feedback._polls import PollClose, PollPost, VoteButton
from cogs.feedback._results import FeedbackClose
from cogs.feedback._topics import TopicPost, UpvoteButton


async def setup(bot: MikroVirkBot) -> None:
    bot.add_dynamic_items(RatingButton, CommentButton, UpvoteButton, VoteButton)
    bot.rounds.register(FeedbackPoll(bot), FeedbackClose(bot), PollClose(bot), PollPost(bot), TopicPost(bot))
    for cog in (Feedback(), Topics(bot), Polls(bot)):
        await bot.add_cog(cog)
