"""Erasing a member: the one transaction, and what follows on Discord.

The same follow-up serves ``/forget``, an organiser's ``/privacy forget`` and the erasure of a member who left:
posts show the seats freed and the waiting list moved up, those moved up are told, the member's reactions are taken
back where the bot may, their topic posts go, and the organisers learn of a confirmed program slot freed. What needs
Discord is a round written with the erasure (the two handlers below, and the waiting list's own notice).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import discord

from bot.client import MikroVirkBot
from bot.config import Language
from bot.meetings import Meeting
from bot.privacy import summary_counts
from bot.render import meeting_label
from bot.rounds import Outcome, Round, RoundKind
from cogs._rounds import MeetingRound, RoundHandler
from db import privacy, rounds
from db.privacy import Erasure
from db.rounds import notice_about

log = logging.getLogger(__name__)


def data_lines(bot: MikroVirkBot, language: Language, rows_per_table: Mapping[str, int]) -> str:
    """One line per kind of data, with its count, in the reader's language."""
    counts = summary_counts(rows_per_table)
    if not counts:
        return bot.catalogue.text(language, "privacy.nothing_stored")
    return "\n".join(f"• {bot.catalogue.text(language, key, count=count)}" for key, count in counts)


async def erase(bot: MikroVirkBot, user_id: int, kind: str) -> Erasure:
    """Erase the member in one transaction, with the rounds that bring Discord in line (freed slots told, topic posts
    removed, members moved up told); the caller then runs :func:`follow_up`."""
    # One transaction: SQLite serialises it with every answer being written, so no half-erased state is ever seen.
    erasure = await privacy.erase_member(bot.db, bot.config.discord.guild_id, user_id, bot.clock(), kind)
    log.info("member erased", extra={"kind": kind, "counts": erasure.counts})
    return erasure


async def follow_up(bot: MikroVirkBot, user_id: int, erasure: Erasure) -> None:
    """What the posts, the waiting lists and the organisers see after answers were released or data erased.

    Quick and in this process only (requests for post edits, timers for the rounds written with the erasure), so a
    button runs it before its answer: Discord's work is done by the rounds, which a failed answer or a stop never
    loses.
    """
    bot.languages.forget(user_id)
    for released in erasure.released:
        bot.dispatch("announcement_outdated", released.meeting_id)
        if released.promoted:
            bot.dispatch("members_promoted", released.meeting_id)
    if erasure.reactions:
        bot.dispatch("member_reactions_erased", user_id, tuple(erasure.reactions))
    for topic_id in (*erasure.voted_topics, *erasure.anonymised_topics):
        bot.dispatch("topic_outdated", topic_id)
    for meeting_id, _ in erasure.freed_slots:
        bot.dispatch("announcement_outdated", meeting_id)
    for round_id in erasure.notices:
        row = await rounds.get(bot.db, round_id)
        if row is not None:
            bot.rounds.arm(row)


class SlotFreedNotice(MeetingRound):
    """Organisers hear that an erasure freed a confirmed program slot of a coming meeting."""

    kind = RoundKind.SLOT_FREED

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        language = self.bot.config.network.language
        await self.tell_organisers(
            row,
            self.bot.public_text(
                "privacy.slot_freed",
                slot=self.bot.catalogue.text(language, f"program.kind_{notice_about(row)}"),
                meeting=meeting_label(meeting, language, self.bot.catalogue),
            ),
        )
        return Outcome.sent()


class TopicPostRemoval(RoundHandler):
    """An erased member's topic idea: its post goes too (a post deleted by hand already is fine)."""

    kind = RoundKind.TOPIC_POST_REMOVAL

    async def deliver(self, row: Round) -> Outcome:
        channel_id, _, message_id = notice_about(row).partition(":")
        post = self.bot.get_partial_messageable(int(channel_id)).get_partial_message(int(message_id))
        try:
            await post.delete()
        except discord.NotFound:
            return Outcome.skipped("deleted by hand already")
        return Outcome.sent()
