"""The scheduler only wakes: a stop never cancels a job under APScheduler, which would log it as an ERROR."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.timers import Timers

NOW = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)


async def test_a_stop_as_the_scheduler_wakes_cancels_no_job_and_logs_no_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    scheduler = AsyncIOScheduler(timezone="UTC")
    timers = Timers(scheduler, lambda: NOW)
    woken: list[str] = []
    timers.at("round:1", NOW, lambda: woken.append("round:1"))
    scheduler.start()  # its first wake-up (which would start the due job) is already waiting on the loop
    timers.stop()
    await asyncio.sleep(0.01)
    assert not scheduler.running
    assert woken == []  # not started: the round's timer is set again from the database at the next start
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_stop_right_after_a_timer_fired_lets_it_wake(caplog: pytest.LogCaptureFixture) -> None:
    scheduler = AsyncIOScheduler(timezone="UTC")
    timers = Timers(scheduler, lambda: NOW)
    woken: list[str] = []
    timers.at("round:1", NOW, lambda: woken.append("round:1"))
    scheduler.start()
    await asyncio.sleep(0)  # the scheduler woke and started the due job's task, which has not taken its step yet
    timers.stop()
    await asyncio.sleep(0.01)
    assert woken == ["round:1"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
