from __future__ import annotations

import asyncio
import itertools

import pytest

from bot import coalesce
from bot.coalesce import Coalescer


async def test_a_burst_becomes_few_runs_ending_with_the_final_state() -> None:
    state = {"value": 0}
    seen: list[int] = []

    async def action(key: str) -> None:
        seen.append(state["value"])
        await asyncio.sleep(0.01)

    coalescer: Coalescer[str] = Coalescer(action, settle=0.02, min_interval=0.05)
    for value in range(1, 201):
        state["value"] = value
        coalescer.request("meeting")
        if value % 20 == 0:
            await asyncio.sleep(0.01)
    await coalescer.drain()
    assert seen[-1] == 200
    assert 1 <= len(seen) <= 6
    assert seen == sorted(seen)


async def test_runs_in_a_group_are_paced() -> None:
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def action(key: int) -> None:
        times.append(loop.time())

    coalescer: Coalescer[int] = Coalescer(action, settle=0, min_interval=0.05, group_of=lambda key: "channel")
    for key in range(4):
        coalescer.request(key)
    await coalescer.drain()
    assert len(times) == 4
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(gap >= 0.045 for gap in gaps), gaps


async def test_a_failing_action_is_tried_again_and_does_not_stop_later_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coalesce, "RETRY_BACKOFF_SECONDS", 0.0)
    calls = 0

    async def action(key: str) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("discord hiccup")

    coalescer: Coalescer[str] = Coalescer(action, settle=0, min_interval=0)
    coalescer.request("a")
    await coalescer.drain()
    assert calls == 2  # failed, then tried again
    coalescer.request("a")
    await coalescer.drain()
    assert calls == 3


async def test_an_action_that_keeps_failing_is_given_up_until_the_next_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coalesce, "RETRY_BACKOFF_SECONDS", 0.0)
    calls = 0

    async def action(key: str) -> None:
        nonlocal calls
        calls += 1
        raise ValueError("still down")

    coalescer: Coalescer[str] = Coalescer(action, settle=0, min_interval=0, expected=(ValueError,))
    coalescer.request("a")
    await coalescer.drain()
    assert calls == coalesce.RUN_ATTEMPTS


async def test_close_cancels_pending_runs() -> None:
    calls = 0

    async def action(key: str) -> None:
        nonlocal calls
        calls += 1

    coalescer: Coalescer[str] = Coalescer(action, settle=10, min_interval=0)
    coalescer.request("a")
    await coalescer.close()
    assert calls == 0 and not coalescer.pending
