"""The server's settings: the config file with the changes organisers made in Discord laid over it.

The bot keeps one effective :class:`~bot.config.Config` in ``bot.config``; this service rebuilds it whenever a
setting is stored or reset, so the next post, reminder or permission check uses the new value without a restart. A
change to when rounds fall re-plans the coming ones through the round runner.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from bot.clock import Clock
from bot.config import Config
from bot.services.rounds import RoundRunner
from bot.settings import SettingChange, SettingKey, current_value, effective_config, stored_text
from db import settings
from db.database import Database
from db.settings import StoredSetting

log = logging.getLogger(__name__)


class SettingsHost(Protocol):
    """What the service needs of the bot that builds it."""

    db: Database
    config: Config
    file_config: Config
    clock: Clock
    rounds: RoundRunner


class ServerSettings:
    def __init__(self, bot: SettingsHost) -> None:
        self._bot = bot
        self._stored: dict[SettingKey, StoredSetting] = {}

    @property
    def guild_id(self) -> int:
        return self._bot.file_config.discord.guild_id

    async def load(self) -> None:
        """Read the server's changes and build the effective config (at start, before any feature runs)."""
        self._stored = await settings.stored_settings(self._bot.db, self.guild_id)
        self._bot.config = effective_config(
            self._bot.file_config, {key: stored.value for key, stored in self._stored.items()}
        )

    def changed_in_discord(self, key: SettingKey) -> StoredSetting | None:
        """Who changed ``key`` in Discord and when; None when the config file's value applies."""
        return self._stored.get(key)

    def shown(self, key: SettingKey, config: Config | None = None) -> str | None:
        """The effective value in its stored spelling; None for an unset optional setting (the topics channel)."""
        value = current_value(config or self._bot.config, key)
        return None if value is None else stored_text(key, value)

    async def change(self, values: Mapping[SettingKey, Any], changed_by: int) -> list[SettingChange]:
        """Store typed values (``None``: back to the config file's value) in one transaction and apply them at once.

        Returns what actually changed, old → new, for the answer and the organisers' audit line.
        """
        now = self._bot.clock()
        before = self._bot.config
        async with self._bot.db.transaction() as conn:
            for key, value in values.items():
                if value is None:
                    await settings.drop_setting(conn, self.guild_id, key)
                else:
                    await settings.store_setting(conn, self.guild_id, key, stored_text(key, value), changed_by, now)
        await self.load()
        shown = [(key, self.shown(key, before), self.shown(key)) for key in values]
        changes = [SettingChange(key, old, new) for key, old, new in shown if old != new]
        log.info(
            "settings changed",
            extra={"by": changed_by, "keys": [change.key.value for change in changes]},
        )
        if any(change.key.moves_rounds for change in changes):
            await self._bot.rounds.replan()
        return changes
