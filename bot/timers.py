"""The scheduler as a timer only: it wakes the bot when something in the database falls due.

Jobs are in memory and rebuilt from the database at start; nothing is lost if they are. Due instants come from the
bot's clock, so the delay is computed against that clock (in production the system clock).
"""

from __future__ import annotations

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
    """Each timer only wakes the owner of the work: its callback starts a task the owner keeps and returns at once.
    The scheduler cancels a job still running when it shuts down and logs that as an ERROR with a traceback, so no
    job may hold work a graceful stop interrupts; the owner ends its own work (the round runner: ``stop``)."""

    def __init__(self, scheduler: AsyncIOScheduler, clock: Clock) -> None:
        self._scheduler = scheduler
        self._clock = clock

    def at(self, job_id: str, due: datetime, wake: Callable[[], object]) -> None:
        """Call ``wake`` when ``due`` arrives (at once if it has passed); replaces a job with the same id."""
        delay = max((due - self._clock()).total_seconds(), 0.0)
        run_date = datetime.now(UTC) + timedelta(seconds=delay)
        self._scheduler.add_job(
            _waking(wake),
            trigger=DateTrigger(run_date=run_date),
            id=job_id,
            replace_existing=True,
            # The job body re-checks the database, so a late run is always safe; never drop it as a misfire.
            misfire_grace_time=None,
        )
        log.debug("timer set", extra={"job_id": job_id, "due": due.isoformat()})

    def every(self, job_id: str, interval: timedelta, wake: Callable[[], object]) -> None:
        """Call ``wake`` every ``interval`` of real time (a heartbeat); ``wake`` only starts the work (as a task), so
        work that may outlast an interval must skip a call that finds it still running."""
        self._scheduler.add_job(
            _waking(wake), trigger=IntervalTrigger(seconds=interval.total_seconds()), id=job_id, replace_existing=True
        )

    def cancel(self, job_id: str) -> None:
        try:
            self._scheduler.remove_job(job_id)
        except JobLookupError:
            return

    def stop(self) -> None:
        """Wake nothing more. AsyncIOScheduler shuts down on a later turn of the loop, so a job started before takes
        its one step (a wake) first; paused now, it starts no job in between that the shutdown would cancel. A due
        timer that did not fire is rebuilt from the database at the next start."""
        if not self._scheduler.running:
            return
        self._scheduler.pause()
        self._scheduler.shutdown(wait=False)


def _waking(wake: Callable[[], object]) -> Callable[[], Awaitable[None]]:
    # A coroutine function, so AsyncIOScheduler calls it on the event loop rather than in a worker thread.
    async def job() -> None:
        wake()

    return job
