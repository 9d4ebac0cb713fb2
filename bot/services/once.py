"""Messages sent once even when the bot dies between sending one and recording it.

Every send the bot repeats when it resumes (a round's DMs and post, a meeting's announcement) carries a nonce, but
Discord returns the first message for a repeated nonce only "in the past few minutes": a bot down for longer would
send it twice. So such a send is first marked in doubt in the database (a fingerprint of what it says, and when),
and the mark gives way to the message id once that is recorded. A send that finds its mark still there looks for the
bot's own recent messages in the channel before sending again. Discord shows a message's nonce only in the create
response and MESSAGE_CREATE, never on a message read back, so the fingerprint (text and embeds) recognises it, and a
message recorded for another send is never taken for this one.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import discord

from bot.clock import Clock
from bot.rounds import InDoubt, Round
from db import sends
from db.database import Database

log = logging.getLogger(__name__)

# The bot's own messages looked through for one in doubt: a DM channel or a busy channel minutes to days later.
RECENT_MESSAGES = 50

Mark = Callable[[int, str], Awaitable[None]]
"""Marks a send in doubt before it goes out: (channel id, fingerprint)."""


def delivery_nonce(*parts: int) -> str:
    """A stable nonce (Discord allows 25 characters) so a repeated send returns the first message."""
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:25]


class OnceHost(Protocol):
    db: Database
    clock: Clock

    @property
    def user(self) -> discord.ClientUser | None: ...

    def get_partial_messageable(
        self, id: int, *, guild_id: int | None = None, type: discord.ChannelType | None = None
    ) -> discord.PartialMessageable: ...


def fingerprint(content: str | None, embeds: Sequence[discord.Embed]) -> str:
    """What a message says, as Discord gives it back (leading and trailing blanks are not kept)."""
    parts = [(content or "").strip()]
    parts += [f"{(embed.title or '').strip()}\x1f{(embed.description or '').strip()}" for embed in embeds]
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:32]


def fingerprint_of_send(kwargs: dict[str, Any]) -> str:
    embeds = list(kwargs.get("embeds") or ([kwargs["embed"]] if kwargs.get("embed") is not None else []))
    return fingerprint(kwargs.get("content"), embeds)


async def find_sent(host: OnceHost, channel: discord.abc.Messageable, in_doubt: InDoubt) -> discord.Message | None:
    """The bot's newest recent message in ``channel`` (or where the send went) that says what the send in doubt
    said and is recorded for no other send; None if it never arrived."""
    me = host.user.id if host.user is not None else None
    if in_doubt.channel_id is not None and in_doubt.channel_id != getattr(channel, "id", None):
        channel = host.get_partial_messageable(in_doubt.channel_id)
    matching = [
        message
        async for message in channel.history(limit=RECENT_MESSAGES)
        if message.author.id == me and fingerprint(message.content, message.embeds) == in_doubt.fingerprint
    ]
    recorded = await sends.recorded_messages(host.db, [message.id for message in matching])
    return next((message for message in matching if message.id not in recorded), None)


async def send_once(
    host: OnceHost,
    channel: discord.abc.Messageable,
    in_doubt: InDoubt | None,
    mark: Mark,
    **kwargs: Any,
) -> discord.Message:
    """Send unless the send in doubt (if any) already arrived; the caller records the message it gets back."""
    if in_doubt is not None:
        found = await find_sent(host, channel, in_doubt)
        if found is not None:
            log.info(
                "message in doubt had arrived, not sent again",
                extra={
                    "channel_id": found.channel.id,
                    "message_id": found.id,
                    "since": in_doubt.attempted_at.isoformat(),
                },
            )
            return found
    await mark(getattr(channel, "id", 0), fingerprint_of_send(kwargs))
    sent: discord.Message = await channel.send(**kwargs)
    return sent


async def round_post(
    host: OnceHost, row: Round, channel: discord.PartialMessageable | discord.Thread, **kwargs: Any
) -> discord.Message | discord.PartialMessage:
    """A round's one channel post (a reminder, the monthly post, a brief, a feedback poll or summary): sent once,
    with a nonce from the row, and recorded on the row. A run resumed after the post was recorded (a stop before
    the round finished) gets that post back instead of a second one."""
    if row.channel_message_id is not None:
        return channel.get_partial_message(row.channel_message_id)

    async def mark(channel_id: int, fingerprint: str) -> None:
        await sends.mark_post(host.db, row.id, channel_id, fingerprint, host.clock())

    message = await send_once(host, channel, row.post_in_doubt, mark, nonce=delivery_nonce(row.id), **kwargs)
    await sends.set_channel_message(host.db, row.id, message.id, host.clock())
    return message


async def round_notice(host: OnceHost, row: Round, channel_id: int, content: str) -> None:
    """A round's one line in a channel (the organisers'), never pinging: sent once, unless it went out before a
    stop; a Discord error raises, so the runner retries the round."""
    channel = host.get_partial_messageable(channel_id, guild_id=row.guild_id)
    await round_post(host, row, channel, content=content, allowed_mentions=discord.AllowedMentions.none())
