"""Automatic backups of the database: a timed round every ``backup.every``, rotated to ``backup.keep`` files."""

from __future__ import annotations

from bot.client import MikroVirkBot
from cogs.backups._rounds import DatabaseBackup


async def setup(bot: MikroVirkBot) -> None:
    bot.rounds.register(DatabaseBackup(bot))
