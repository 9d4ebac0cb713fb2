"""Organisers' polls: a question with up to ten options as buttons, live counts, and a timed round that closes it.

The rule every poll shares (the feedback poll too): one changeable answer per member while it is open.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import discord

from bot.client import MikroVirkBot
from bot.durations import parse_offset
from bot.errors import UserFacingError
from bot.feedback import bar
from bot.i18n import msgkey
from bot.polls import Poll, PollStatus
from bot.render import EMBED_TITLE_MAX, clip, discord_timestamp, message_url
from bot.rounds import Outcome, Round, RoundKind
from bot.services.once import round_post
from cogs._embeds import BRAND_COLOUR
from cogs._interactions import IdButton, answers_errors, clean_text
from cogs._rounds import RoundHandler
from db import polls
from db.rounds import notice_about

log = logging.getLogger(__name__)

QUESTION_MAX = 300  # the same as Discord's native polls, so questions stay short on a phone
OPTION_MAX = 80  # Discord's limit for a button label
MAX_OPTIONS = 10  # the vote button's custom id carries the option as one digit
# How long the organiser's answer waits for the post to go out, so it can link to it.
POST_PATIENCE = 3.0


async def open_poll(bot: MikroVirkBot, poll_id: int) -> Poll:
    """The poll, if it still takes answers; otherwise the polite refusal."""
    poll = await polls.get(bot.db, poll_id)
    if poll is None or not poll.open_at(bot.clock()):
        raise UserFacingError("feedback.errors.closed")
    return poll


@contextmanager
def refused_when_closed() -> Iterator[None]:
    """A poll that closes between the check and the answer gets the same polite refusal."""
    try:
        yield
    except polls.PollClosed:
        raise UserFacingError("feedback.errors.closed") from None


class VoteButton(IdButton, template=r"mv:pv:(?P<poll_id>\d+):(?P<option>\d)"):
    def __init__(self, poll_id: int, option: int, label: str = "") -> None:
        super().__init__(f"mv:pv:{poll_id}:{option}", label[:OPTION_MAX] or str(option + 1))
        self.poll_id = poll_id
        self.option = option

    @answers_errors
    async def callback(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        bot = interaction.client
        poll = await open_poll(bot, self.poll_id)
        if self.option >= len(poll.options):
            raise UserFacingError("feedback.errors.closed")
        with refused_when_closed():
            await polls.vote(bot.db, poll.id, interaction.user.id, self.option, bot.clock())
        # As with topic ideas: the bars are redrawn by the Polls cog's coalesced edit, which reads them after this
        # vote was written, never by this answer, which can land after a later vote's or fail.
        bot.dispatch("poll_outdated", poll.id)
        await interaction.response.send_message(
            bot.text_for(interaction, "poll.voted", option=poll.options[self.option]), ephemeral=True
        )


def vote_view(poll: Poll) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for position, label in enumerate(poll.options):
        view.add_item(VoteButton(poll.id, position, label))
    return view


async def poll_embed(bot: MikroVirkBot, poll: Poll, *, closed: bool) -> discord.Embed:
    """The question with a bar per option; public, so in the network's language."""
    language = bot.config.network.language
    counts = await polls.votes(bot.db, poll.id)
    total = sum(len(voters) for voters in counts.values())
    largest = max((len(voters) for voters in counts.values()), default=0) or 1
    lines = []
    for position, label in enumerate(poll.options):
        voters = len(counts.get(position, []))
        lines.append(f"**{label}** — {voters} {bar(voters, largest)}")
    embed = discord.Embed(colour=BRAND_COLOUR, title=clip(poll.question, EMBED_TITLE_MAX), description="\n".join(lines))
    footer = bot.catalogue.text(
        language, msgkey("poll.closed_footer") if closed else msgkey("poll.footer"), total=total
    )
    if poll.anonymous:
        footer += " · " + bot.catalogue.text(language, "poll.anonymous")
    if poll.closes_at and not closed:
        embed.add_field(name=bot.catalogue.text(language, "poll.closes"), value=discord_timestamp(poll.closes_at, "R"))
    embed.set_footer(text=footer)
    return embed


def _choices(options: str) -> list[str]:
    choices = [part.strip() for part in options.split(";") if part.strip()]
    if not 2 <= len(choices) <= MAX_OPTIONS:
        raise UserFacingError("poll.errors.options", typed=clip(options, 100))
    return choices


async def create(
    interaction: discord.Interaction[MikroVirkBot], question: str, options: str, anonymous: bool, closes_in: str | None
) -> None:
    """Save the poll with the round that posts it (and plans its close), then answer with its link, or that it goes up
    in a moment when Discord is slow or failing: the poll is never lost and never posted twice."""
    bot = interaction.client
    text = bot.catalogue.text
    language = bot.language_of(interaction)
    asked = clean_text(question, QUESTION_MAX, text(language, "fields.question"))
    assert asked is not None
    choices = _choices(options)
    if any(len(choice) > OPTION_MAX for choice in choices):
        raise UserFacingError(
            "errors.too_long", field=text(language, "fields.option"), limit=OPTION_MAX, length=max(map(len, choices))
        )
    closes_at = None
    if closes_in:
        try:
            closes_at = bot.clock() + parse_offset(closes_in)
        except ValueError:
            raise UserFacingError("poll.errors.closes_in", typed=clip(closes_in, 20)) from None
    guild_id = bot.config.discord.guild_id
    # Deferred first: an interaction that expired saves nothing, so the organiser's retry is the only poll.
    await interaction.response.defer(ephemeral=True, thinking=True)
    poll, round_id = await polls.create_general(
        bot.db, guild_id, asked, choices, anonymous, closes_at, interaction.user.id, bot.clock()
    )
    await bot.rounds.run_briefly(round_id, POST_PATIENCE)
    posted = await polls.get(bot.db, poll.id)
    if posted is not None and posted.channel_id is not None and posted.message_id is not None:
        answer = text(language, "poll.created", url=message_url(guild_id, posted.channel_id, posted.message_id))
    else:
        answer = text(language, "poll.saved", channel=f"<#{bot.config.discord.announcements_channel_id}>")
    await interaction.edit_original_response(content=answer)


class PollPost(RoundHandler):
    """An organiser's poll goes up in the announcements channel, once, and its closing round is planned
    (db.polls.create_general writes this round with the poll)."""

    kind = RoundKind.POLL_POST

    async def deliver(self, row: Round) -> Outcome:
        bot = self.bot
        poll = await polls.get(bot.db, int(notice_about(row)))
        if poll is None:
            return Outcome.skipped("poll deleted")
        channel_id = bot.config.discord.announcements_channel_id
        message_id = row.channel_message_id
        # A post held up past the poll's end goes up closed: its buttons would only refuse.
        still_open = poll.open_at(bot.clock())
        if message_id is None:
            channel = bot.get_partial_messageable(channel_id, guild_id=row.guild_id)
            posted = await round_post(
                bot,
                row,
                channel,
                embed=await poll_embed(bot, poll, closed=not still_open),
                view=vote_view(poll) if still_open else None,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            channel_id, message_id = posted.channel.id, posted.id
        await polls.set_message(bot.db, poll.id, channel_id, message_id)
        if not still_open:
            await polls.close(bot.db, poll.id)  # it went up closed, and no closing round will come
        elif poll.closes_at is not None:
            await bot.rounds.plan(RoundKind.POLL_CLOSE, str(poll.id), poll.closes_at)
        return Outcome.sent()


class PollClose(RoundHandler):
    """An organiser's poll closes: its buttons go and the final counts stay."""

    kind = RoundKind.POLL_CLOSE

    async def deliver(self, row: Round) -> Outcome:
        poll = await polls.get(self.bot.db, int(row.subject))
        if poll is None:
            return Outcome.skipped("poll deleted")
        await polls.close(self.bot.db, poll.id)
        if poll.message_id is None or poll.channel_id is None:
            return Outcome.skipped("the poll was never posted")
        if not await edit_post(self.bot, poll.id):
            return Outcome.skipped("the poll's message was deleted")
        # A coalesced edit that read the poll open just before it closed may land after this one; the one asked for
        # here runs after it and shows the poll closed.
        self.bot.dispatch("poll_outdated", poll.id)
        return Outcome.sent()


async def edit_post(bot: MikroVirkBot, poll_id: int) -> bool:
    """The poll's post shows its bars as the database holds them now, with its buttons while it is open, or nothing
    to edit (not posted, or gone). False when the post was deleted."""
    poll = await polls.get(bot.db, poll_id)
    if poll is None or poll.message_id is None or poll.channel_id is None:
        return True
    closed = poll.status is PollStatus.CLOSED
    embed = await poll_embed(bot, poll, closed=closed)
    post = bot.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id).get_partial_message(poll.message_id)
    try:
        await post.edit(embed=embed, view=None if closed else vote_view(poll))
    except discord.NotFound:
        log.info("poll post gone", extra={"poll_id": poll_id})
        return False
    return True
