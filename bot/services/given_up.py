"""The organisers hear that a round was given up, by a round of its own: db.rounds.give_up writes it in the same
transaction as the failure, so an outage long enough to make a round give up does not lose its notice too."""

from __future__ import annotations

from typing import ClassVar

from bot.i18n import msgkey
from bot.rounds import Outcome, Round, RoundKind
from bot.services.once import round_notice
from bot.services.rounds import KIND_NAME_KEYS, RunnerHost
from db import rounds


class GivenUpNotice:
    """The organisers hear that a round was given up; registered by the bot itself, whichever features it loads."""

    kind: ClassVar[RoundKind] = RoundKind.GIVEN_UP

    def __init__(self, bot: RunnerHost) -> None:
        self._bot = bot

    async def deliver(self, row: Round) -> Outcome:
        bot = self._bot
        round_id, _, cause = row.subject.partition(":")
        failed = await rounds.get(bot.db, int(round_id))
        assert failed is not None
        # Only a refusal from Discord is "what Discord said"; anything else (a full disk under a backup) is the error.
        key = msgkey("round.given_up") if cause == "discord" else msgkey("round.given_up_error")
        content = bot.public_text(
            key,
            kind=bot.public_text(KIND_NAME_KEYS[failed.kind]),
            attempts=failed.attempts,
            error=(failed.reason or "")[:300],
        )
        await round_notice(bot, row, bot.config.discord.organisers_channel_id, content)
        return Outcome.sent()

    async def at_start(self) -> None:
        return  # armed by the runner with every unfinished row

    async def settings_changed(self) -> None:
        return
