"""Coalescing of repeated work: many requests for the same key become few runs, the last one after the last request.

Used for announcement edits: a burst of 500 reactions must end in a handful of message edits (Discord allows about
5 edits per 5 s per channel), the last showing the final state within about two seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)

# A run that failed is tried again this often, 1 s and then 2 s later; then the next request runs it.
RUN_ATTEMPTS = 3
RETRY_BACKOFF_SECONDS = 1.0


class Coalescer(Generic[K]):
    """Runs ``action(key)`` once things settle, never more often than ``min_interval`` per pacing group.

    ``settle`` is how long to wait after the first request before running, so a burst is gathered into one run;
    requests that arrive while a run is in flight cause exactly one more run. Keys in the same group (e.g. meetings
    announced in the same channel) share the pacing, because Discord's limit is per channel. A run that raises is
    tried again (``RUN_ATTEMPTS``); an error of the ``expected`` kinds (Discord refusing for a moment) is logged as a
    warning, anything else with its traceback.
    """

    def __init__(
        self,
        action: Callable[[K], Awaitable[None]],
        *,
        settle: float = 0.25,
        min_interval: float = 1.1,
        group_of: Callable[[K], Hashable] | None = None,
        expected: tuple[type[Exception], ...] = (),
    ) -> None:
        self._action = action
        self._settle = settle
        self._min_interval = min_interval
        self._group_of = group_of or (lambda key: key)
        self._expected = expected
        self._dirty: set[K] = set()
        self._tasks: dict[K, asyncio.Task[None]] = {}
        self._last_run: dict[Hashable, float] = {}
        self._group_locks: dict[Hashable, asyncio.Lock] = {}

    def request(self, key: K) -> None:
        """Ask for ``action(key)`` to run soon; cheap to call many times."""
        self._dirty.add(key)
        if key not in self._tasks:
            self._tasks[key] = asyncio.get_running_loop().create_task(self._run(key), name=f"coalesce:{key}")

    @property
    def pending(self) -> bool:
        return bool(self._tasks)

    async def _run(self, key: K) -> None:
        loop = asyncio.get_running_loop()
        group = self._group_of(key)
        lock = self._group_locks.setdefault(group, asyncio.Lock())
        failures = 0
        try:
            await asyncio.sleep(self._settle)
            while key in self._dirty:
                async with lock:
                    wait = self._last_run.get(group, float("-inf")) + self._min_interval - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    self._dirty.discard(key)
                    self._last_run[group] = loop.time()
                    try:
                        await self._action(key)
                        failures = 0
                    except self._expected as error:
                        failures += 1
                        log.warning("coalesced action failed", extra={"key": str(key), "error": str(error)[:300]})
                    except Exception:
                        failures += 1
                        log.exception("coalesced action failed", extra={"key": str(key)})
                if 0 < failures < RUN_ATTEMPTS:
                    self._dirty.add(key)
                    await asyncio.sleep(RETRY_BACKOFF_SECONDS * 2 ** (failures - 1))
        finally:
            # No await between the loop's last check and here, so a request cannot slip in unnoticed.
            self._tasks.pop(key, None)

    async def drain(self) -> None:
        """Wait until every requested run has happened (used at shutdown and in tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def close(self) -> None:
        """Stop without running what is still pending (the next start reconciles from the database)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # A task cancelled before it started never reaches its own clean-up.
        self._tasks.clear()
        self._dirty.clear()
