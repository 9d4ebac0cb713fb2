"""The scheduler as a timer only: it wakes the bot when something in the database falls due.

Jobs are in memory and rebuilt from the database at start; nothing is lost if they are. Due instants come from the
bot's clock, so the delay is computed against that clock (in production the system clock).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock

log = logging.getLogger(__name__)


class Timers:
    def __init__(self, scheduler: AsyncIOScheduler, clock: Clock) -> None:
        self._scheduler = scheduler
        self._clock = clock

    def at(self, job_id: str, due: datetime, callback: Callable[[], Awaitable[None]]) -> None:
        """Run ``callback`` when ``due`` arrives (at once if it has passed); replaces a job with the same id."""

        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                task.set_name(job_id)  # so logs, shutdown and tests can tell timer work apart
            await callback()

        delay = max((due - self._clock()).total_seconds(), 0.0)
        run_date = datetime.now(UTC) + timedelta(seconds=delay)
        self._scheduler.add_job(
            run,
            trigger=DateTrigger(run_date=run_date),
            id=job_id,
            replace_existing=True,
            # The job body re-checks the database, so a late run is always safe; never drop it as a misfire.
            misfire_grace_time=None,
        )
        log.debug("timer set", extra={"job_id": job_id, "due": due.isoformat()})

    def every(self, job_id: str, interval: timedelta, callback: Callable[[], Awaitable[None]]) -> None:
        """Run ``callback`` every ``interval`` of real time (a heartbeat), skipping runs missed while busy."""
        self._scheduler.add_job(
            callback, trigger=IntervalTrigger(seconds=interval.total_seconds()), id=job_id, replace_existing=True
        )

    def cancel(self, job_id: str) -> None:
        try:
            self._scheduler.remove_job(job_id)
        except JobLookupError:
            return
