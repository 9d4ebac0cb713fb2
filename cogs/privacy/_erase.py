"""Erasing a member: the one transaction, and what follows on Discord.

The same follow-up serves ``/forget``, an organiser's ``/privacy forget`` and the erasure of a member who left:
posts show the seats freed and the waiting list moved up, those moved up are told, the member's reactions are taken
back where the bot may, their topic posts go, and the organisers learn of a confirmed program slot freed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import discord

from bot.client import MikroVirkBot
from bot.config import Language
from bot.privacy import summary_counts
from bot.render import meeting_label
from db import meetings, privacy
from db.privacy import Erasure

log = logging.getLogger(__name__)


def data_lines(bot: MikroVirkBot, language: Language, rows_per_table: Mapping[str, int]) -> str:
    """One line per kind of data, with its count, in the reader's language."""
    counts = summary_counts(rows_per_table)
    if not counts:
        return bot.catalogue.text(language, "privacy.nothing_stored")
    return "\n".join(f"• {bot.catalogue.text(language, key, count=count)}" for key, count in counts)


async def erase(bot: MikroVirkBot, user_id: int, kind: str) -> Erasure:
    """Erase the member in one transaction; the caller then runs :func:`follow_up` (after answering, if a button
    asked: Discord wants its answer within three seconds, and the follow-up waits on Discord's rate limits)."""
    # One transaction: SQLite serialises it with every answer being written, so no half-erased state is ever seen.
    erasure = await privacy.erase_member(bot.db, bot.config.discord.guild_id, user_id, bot.clock(), kind)
    log.info("member erased", extra={"kind": kind, "counts": erasure.counts})
    return erasure


async def follow_up(bot: MikroVirkBot, user_id: int, erasure: Erasure) -> None:
    """What the posts, the waiting lists and the organisers see after answers were released or data erased."""
    bot.languages.forget(user_id)
    for released in erasure.released:
        bot.dispatch("announcement_outdated", released.meeting_id)
        if released.promoted:
            bot.dispatch("members_promoted", released.meeting_id, released.promoted)
    if erasure.reactions:
        bot.dispatch("member_reactions_erased", user_id, tuple(erasure.reactions))
    for topic_id in (*erasure.voted_topics, *erasure.anonymised_topics):
        bot.dispatch("topic_outdated", topic_id)
    for post in erasure.deleted_topics:
        if post.channel_id is not None and post.message_id is not None:
            try:
                await bot.get_partial_messageable(post.channel_id).get_partial_message(post.message_id).delete()
            except discord.NotFound:
                pass  # deleted by hand already
            except discord.HTTPException:
                log.warning("could not delete an erased member's topic post", extra={"topic_id": post.topic_id})
    await _tell_freed_slots(bot, erasure)


async def _tell_freed_slots(bot: MikroVirkBot, erasure: Erasure) -> None:
    language = bot.config.network.language
    for meeting_id, kind in erasure.freed_slots:
        bot.dispatch("announcement_outdated", meeting_id)
        meeting = await meetings.get_meeting(bot.db, bot.config.discord.guild_id, meeting_id)
        if meeting is not None:
            await bot.notify_organisers(
                bot.public_text(
                    "privacy.slot_freed",
                    slot=bot.catalogue.text(language, f"program.kind_{kind}"),
                    meeting=meeting_label(meeting, language, bot.catalogue),
                )
            )
