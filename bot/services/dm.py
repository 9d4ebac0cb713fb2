"""Direct messages, paced so a fan-out never trips Discord's limits, and refusals recorded instead of retried."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

import discord

from bot.config import Config, Language
from bot.rounds import DeliveryState, InDoubt, RecipientsUnreachedError
from bot.services.once import Mark, OnceHost, delivery_nonce, send_once
from db import members, sends

log = logging.getLogger(__name__)

# Discord's error code for "Cannot send messages to this user" (DMs closed or no shared server).
CANNOT_MESSAGE_USER = 50007
# Seconds between two DMs. Discord does not publish a DM limit; bursts of new DMs are flagged as spam (40003),
# so a fan-out goes out at a steady 4 per second: 300 members in about 75 seconds.
DEFAULT_DM_INTERVAL = 0.25
# A DM that fails for another reason (5xx, a hiccup) is tried this many times, waiting 1 s, 2 s, … in between.
DM_ATTEMPTS = 3
DM_BACKOFF_SECONDS = 1.0


class DmOutcome(enum.StrEnum):
    SENT = "sent"
    REFUSED = "refused"  # the member does not accept DMs; not retried
    FAILED = "failed"  # another Discord error


# How a DM outcome is recorded for a round's recipient.
DELIVERY_STATE = {
    DmOutcome.SENT: DeliveryState.SENT,
    DmOutcome.REFUSED: DeliveryState.REFUSED,
    DmOutcome.FAILED: DeliveryState.FAILED,
}


@dataclass(frozen=True, slots=True)
class DmMessage:
    content: str | None = None
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    # With a nonce Discord returns the earlier message instead of a second one when a send is repeated within
    # minutes (e.g. the bot died between sending and recording it).
    nonce: str | None = None


@dataclass(frozen=True, slots=True)
class Tracked:
    """A DM a round resumes: marked in doubt before it goes out, and looked for first if a mark was left."""

    in_doubt: InDoubt | None
    mark: Mark


class DmHost(OnceHost, Protocol):
    """What the DM sender needs of the bot that builds it (a discord.py client with our database and config)."""

    config: Config

    async def create_dm(self, user: discord.abc.Snowflake) -> discord.DMChannel: ...


class DirectMessenger:
    """Sends DMs one at a time with a minimum interval, shared by every feature of the bot."""

    def __init__(self, bot: DmHost, interval: float = DEFAULT_DM_INTERVAL) -> None:
        self._bot = bot
        self.interval = interval
        self._lock = asyncio.Lock()
        self._last_sent = float("-inf")

    async def send(
        self, user_id: int, message: DmMessage, tracked: Tracked | None = None
    ) -> tuple[DmOutcome, discord.Message | None]:
        loop = asyncio.get_running_loop()
        async with self._lock:
            wait = self._last_sent + self.interval - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_sent = loop.time()
            try:
                channel = await self._channel(user_id)
                kwargs: dict[str, Any] = {"content": message.content, "embed": message.embed}
                if message.view is not None:
                    kwargs["view"] = message.view
                if message.nonce is not None:
                    kwargs["nonce"] = message.nonce
                if tracked is None:
                    sent = await channel.send(**kwargs)
                else:
                    sent = await send_once(self._bot, channel, tracked.in_doubt, tracked.mark, **kwargs)
            except discord.NotFound:
                # The stored channel is gone (rare); forget it so the next attempt opens a fresh one.
                await members.remember_dm_channel(self._bot.db, user_id, None)
                log.warning("dm channel gone", extra={"user_id": user_id})
                return DmOutcome.FAILED, None
            except discord.Forbidden as error:
                outcome = DmOutcome.REFUSED if error.code == CANNOT_MESSAGE_USER else DmOutcome.FAILED
                log.info("dm not delivered", extra={"user_id": user_id, "outcome": outcome, "code": error.code})
                return outcome, None
            except discord.HTTPException as error:
                log.warning("dm failed", extra={"user_id": user_id, "status": error.status, "code": error.code})
                return DmOutcome.FAILED, None
            log.info("dm sent", extra={"user_id": user_id})
            return DmOutcome.SENT, sent

    async def _channel(self, user_id: int) -> discord.abc.Messageable:
        """The member's DM channel: the stored id when we have it, else opened once and stored."""
        stored = await members.dm_channel(self._bot.db, user_id)
        if stored is not None:
            return self._bot.get_partial_messageable(stored, type=discord.ChannelType.private)
        channel = await self._bot.create_dm(discord.Object(user_id))
        await members.remember_dm_channel(self._bot.db, user_id, channel.id)
        return channel

    async def send_with_retries(
        self,
        user_id: int,
        message: DmMessage,
        tracked: Tracked | None = None,
        attempts: int = DM_ATTEMPTS,
        backoff: float = DM_BACKOFF_SECONDS,
    ) -> tuple[DmOutcome, discord.Message | None, int]:
        """Send, retrying other Discord errors with exponential backoff; a refusal is final at once.

        Returns the outcome, the message and how many retries it took.
        """
        for attempt in range(attempts):
            outcome, sent = await self.send(user_id, message, tracked)
            if outcome is not DmOutcome.FAILED or attempt == attempts - 1:
                return outcome, sent, attempt
            await asyncio.sleep(backoff * 2**attempt)
        raise AssertionError("unreachable")

    async def deliver(
        self,
        round_id: int,
        compose: Callable[[int, Language], DmMessage],
        still_owed: Callable[[int], Awaitable[bool]] | None = None,
    ) -> int:
        """DM every recipient of a round not yet reached, recording each outcome as it happens (so a restart
        resumes with the rest); each DM has a nonce from the row and the member, and is marked in doubt before it
        goes out, so a DM a killed bot sent but never recorded is found, not sent again. A member whom Discord's
        errors kept from every quick retry stays owed the DM: once the others are done,
        :class:`RecipientsUnreachedError` has the runner try the round again later. ``still_owed`` asks, just before
        each DM, whether the member still needs it (their answer may have changed since the round was written); one
        who does not is passed over. Returns the retries."""
        retries = unreached = 0
        db = self._bot.db
        for user_id, in_doubt in await sends.undelivered(db, round_id):
            if still_owed is not None and not await still_owed(user_id):
                continue
            message = compose(user_id, await self.language_of(user_id))
            if message.nonce is None:
                message = replace(message, nonce=delivery_nonce(round_id, user_id))

            async def mark(_channel_id: int, fingerprint: str, user_id: int = user_id) -> None:
                await sends.mark_delivery(db, round_id, user_id, fingerprint, self._bot.clock())

            outcome, sent, tries = await self.send_with_retries(user_id, message, Tracked(in_doubt, mark))
            retries += tries
            if outcome is DmOutcome.FAILED:
                # Discord failed for a moment: the member stays owed the DM (still in doubt if it was marked, since a
                # 5xx may come after Discord made the message) and the runner tries the round again later.
                unreached += 1
                continue
            await sends.record_delivery(
                self._bot.db,
                round_id,
                user_id,
                DELIVERY_STATE[outcome],
                sent.id if sent else None,
                self._bot.clock(),
            )
        if unreached:
            raise RecipientsUnreachedError(f"{unreached} recipient(s) not reached after {DM_ATTEMPTS} tries each")
        return retries

    async def language_of(self, user_id: int) -> Language:
        """The member's last seen client language, else the network's."""
        config = self._bot.config
        stored = await members.languages(self._bot.db, config.discord.guild_id, [user_id])
        return stored.get(user_id, config.network.language)
