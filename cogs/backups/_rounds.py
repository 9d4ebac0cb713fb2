"""The backup round: one row per due moment, so a backup is made exactly once, also across restarts.

Each backup plans the next one before it copies, on the grid of its own moment: a bot stopped for days makes one
backup when it starts again (its overdue row), not one per missed period, and keeps the time of day. A failure (a
full disk, a failed integrity check, a folder it may not write) goes through the runner's retries; when it is given
up, the runner's line in the organisers' channel says so, and the next period's row is already planned.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from bot.backups import backup_files, backup_name, next_due, rotate
from bot.rounds import Outcome, Round, RoundKind
from cogs._rounds import RoundHandler
from db import rounds
from db.database import backup

log = logging.getLogger(__name__)


def backup_subject(due: datetime) -> str:
    """The row's subject: its due moment, so one moment has one row."""
    return due.astimezone(UTC).isoformat(timespec="seconds")


class DatabaseBackup(RoundHandler):
    kind = RoundKind.BACKUP

    async def at_start(self) -> None:
        if any(row.kind is self.kind for row in await rounds.unfinished(self.bot.db, self.guild_id)):
            return  # the runner arms it; overdue after a stop, it runs once, at once
        # The first start (or a database from before backups): continue the grid of the folder's backups, if any.
        config = self.bot.config.backup
        now = self.bot.clock().replace(microsecond=0)  # rows store whole seconds
        files = await asyncio.to_thread(backup_files, config.dir)
        await self.schedule(now + config.every if not files else next_due(files[-1].taken_at, config.every, now))

    async def schedule(self, due: datetime) -> None:
        await self.bot.rounds.plan(self.kind, backup_subject(due), due)

    async def deliver(self, row: Round) -> Outcome:
        config = self.bot.config.backup
        now = self.bot.clock()
        await self.schedule(next_due(row.due_at, config.every, now))  # first, so a backup given up never stops the next
        target = config.dir / backup_name(now)
        # The copy and the check read the whole file: in a worker thread, so the bot keeps answering meanwhile.
        version = await asyncio.to_thread(backup, self.bot.db.path, target)
        removed = await asyncio.to_thread(rotate, config.dir, config.keep)
        log.info(
            "database backed up",
            extra={
                "round_id": row.id,
                "file": str(target),
                "schema_version": version,
                "removed": [path.name for path in removed],
            },
        )
        return Outcome.sent()
