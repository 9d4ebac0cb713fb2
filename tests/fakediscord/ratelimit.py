"""Discord-like HTTP rate limits: per-bucket windows, a global limit and the X-RateLimit-* headers.

Buckets are keyed like Discord's: a bucket name (one per route family, exposed as a stable hash in
``X-RateLimit-Bucket``) plus the route's major parameters (channel, guild, webhook id/token).
Time is real monotonic time: these limits are wall-clock limits, as on Discord.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

#: Bucket names with their own field in :class:`RateLimitConfig`; other routes use ``default``
#: with the route key (e.g. ``"GET /users/@me"``) as bucket name.
NAMED_BUCKETS = frozenset(
    {
        "message_create",
        "message_edit",
        "message_delete",
        "reaction",
        "dm_channel_create",
        "interaction_callback",
        "webhook",
    }
)


@dataclass(frozen=True)
class BucketLimit:
    """``limit`` requests per ``window`` seconds."""

    limit: int
    window: float


@dataclass
class RateLimitConfig:
    """Which limits the emulator enforces. ``None`` for a bucket means unlimited (no headers).

    ``strategy="fixed"`` (default, what Discord does) starts a window at the first request and
    frees the whole budget when it resets, ``X-RateLimit-Reset-After`` seconds later. A single
    discord.py client then never sees a 429: it reads the headers and waits ahead of time.
    ``"sliding"`` counts the requests of the last ``window`` seconds and frees slots one at a
    time; discord.py's pre-emptive waiting then regularly collides with it (429s), and
    under load a request can lose five retries in a row, which discord.py turns into an error.
    """

    enabled: bool = True
    strategy: Literal["sliding", "fixed"] = "fixed"
    global_limit: BucketLimit | None = BucketLimit(50, 1.0)
    message_create: BucketLimit | None = BucketLimit(5, 5.0)
    message_edit: BucketLimit | None = BucketLimit(5, 5.0)
    message_delete: BucketLimit | None = BucketLimit(5, 1.0)
    reaction: BucketLimit | None = BucketLimit(1, 0.25)
    dm_channel_create: BucketLimit | None = BucketLimit(10, 10.0)
    interaction_callback: BucketLimit | None = None
    webhook: BucketLimit | None = BucketLimit(50, 1.0)
    #: every other route, per route shape + major parameters
    default: BucketLimit | None = BucketLimit(50, 1.0)
    #: explicit overrides by bucket name (e.g. ``{"GET /guilds/{guild_id}/members": BucketLimit(1, 1)}``)
    overrides: dict[str, BucketLimit | None] = field(default_factory=dict)

    @classmethod
    def generous(cls) -> RateLimitConfig:
        """Limits so high that no test will hit them (headers are still sent)."""
        big = BucketLimit(100_000, 1.0)
        return cls(
            global_limit=big,
            message_create=big,
            message_edit=big,
            message_delete=big,
            reaction=big,
            dm_channel_create=big,
            webhook=big,
            default=big,
        )

    @classmethod
    def disabled(cls) -> RateLimitConfig:
        return cls(enabled=False)

    def replace(self, **changes: Any) -> RateLimitConfig:
        return dataclasses.replace(self, **changes)

    def limit_for(self, bucket_name: str) -> BucketLimit | None:
        """The limit of a bucket: an override, a named bucket, else ``default``."""
        if bucket_name in self.overrides:
            return self.overrides[bucket_name]
        if bucket_name in NAMED_BUCKETS:
            limit: BucketLimit | None = getattr(self, bucket_name)
            return limit
        return self.default


def bucket_hash(bucket_name: str) -> str:
    """A stable, Discord-looking bucket hash for a bucket name."""
    return hashlib.md5(bucket_name.encode(), usedforsecurity=False).hexdigest()


@dataclass
class Decision:
    allowed: bool
    headers: dict[str, str]
    retry_after: float = 0.0
    is_global: bool = False
    bucket: str | None = None


def _ceil_ms(value: float) -> float:
    return max(0.0, math.ceil(value * 1000) / 1000)


@dataclass
class Storm:
    """Injected 429s: the next ``times`` requests of a bucket are refused as rate limited, whatever the budget (an
    incident on Discord's side, or another process with the same token that discord.py cannot see)."""

    bucket: str
    major: str | None  # None: every major parameter of the bucket
    times: int
    retry_after: float
    is_global: bool = False
    answered: int = 0

    def applies(self, bucket_name: str, major: str) -> bool:
        return self.times > 0 and bucket_name == self.bucket and self.major in (None, major)


class _Window:
    __slots__ = ("hits", "start")

    def __init__(self) -> None:
        self.hits: deque[float] = deque()
        self.start = 0.0


class RateLimiter:
    def __init__(self, config: RateLimitConfig) -> None:
        self.config = config
        self._windows: dict[str, _Window] = {}
        self._global = _Window()
        self.storms: list[Storm] = []

    def reset(self) -> None:
        self._windows.clear()
        self._global = _Window()

    # A window's view at time ``now``: (used, seconds until a slot frees / the window resets).
    def _state(self, window: _Window, limit: BucketLimit, now: float) -> tuple[int, float]:
        if self.config.strategy == "fixed":
            if window.hits and now - window.start >= limit.window:
                window.hits.clear()
            if not window.hits:
                return 0, limit.window
            return len(window.hits), window.start + limit.window - now
        while window.hits and now - window.hits[0] >= limit.window:
            window.hits.popleft()
        used = len(window.hits)
        if not used:
            return 0, limit.window
        # when full: the time until the count drops below the limit; else until the oldest leaves
        pivot = window.hits[used - limit.limit] if used >= limit.limit else window.hits[0]
        return used, pivot + limit.window - now

    def _record(self, window: _Window, now: float) -> None:
        if not window.hits:
            window.start = now
        window.hits.append(now)

    def check(self, bucket_name: str, major: str, *, count_global: bool) -> Decision:
        """Admit or reject one request; admitted requests are counted."""
        storm = next((s for s in self.storms if s.applies(bucket_name, major)), None)
        if storm is not None:
            return self._storm_429(storm, bucket_name, major)
        if not self.config.enabled:
            return Decision(allowed=True, headers={})
        now = time.monotonic()
        limit = self.config.limit_for(bucket_name)
        key = f"{bucket_name}:{major}"

        global_limit = self.config.global_limit if count_global else None
        if global_limit is not None:
            used, until = self._state(self._global, global_limit, now)
            if used >= global_limit.limit:
                retry = _ceil_ms(until)
                global_headers = {
                    "X-RateLimit-Global": "true",
                    "X-RateLimit-Scope": "global",
                    "Retry-After": str(max(1, math.ceil(retry))),
                    "Via": "1.1 google",
                }
                return Decision(allowed=False, headers=global_headers, retry_after=retry, is_global=True, bucket=key)

        headers: dict[str, str] = {}
        if limit is not None:
            window = self._windows.setdefault(key, _Window())
            used, until = self._state(window, limit, now)
            if used >= limit.limit:
                retry = _ceil_ms(until)
                headers = self._headers(bucket_name, limit, 0, until)
                headers.update(
                    {
                        "X-RateLimit-Scope": "user",
                        "Retry-After": str(max(1, math.ceil(retry))),
                        "Via": "1.1 google",
                    }
                )
                return Decision(allowed=False, headers=headers, retry_after=retry, bucket=key)
            self._record(window, now)
            used, until = self._state(window, limit, now)
            headers = self._headers(bucket_name, limit, limit.limit - used, until)

        if global_limit is not None:
            self._record(self._global, now)
        return Decision(allowed=True, headers=headers, bucket=key if limit is not None else None)

    @staticmethod
    def _storm_429(storm: Storm, bucket_name: str, major: str) -> Decision:
        storm.times -= 1
        storm.answered += 1
        retry = _ceil_ms(storm.retry_after)
        headers = {"Retry-After": str(max(1, math.ceil(retry))), "Via": "1.1 google"}
        if storm.is_global:
            headers.update({"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"})
        else:
            headers["X-RateLimit-Scope"] = "user"
        key = f"{bucket_name}:{major}"
        return Decision(allowed=False, headers=headers, retry_after=retry, is_global=storm.is_global, bucket=key)

    def exhaust(self, bucket_name: str, major: str = "") -> None:
        """Use up a bucket's whole budget now (as another process with the same token would)."""
        limit = self.config.limit_for(bucket_name)
        if limit is None:
            return
        now = time.monotonic()
        window = self._windows.setdefault(f"{bucket_name}:{major}", _Window())
        self._state(window, limit, now)
        if self.config.strategy == "fixed":
            window.hits.clear()
        for _ in range(limit.limit):
            self._record(window, now)

    @staticmethod
    def _headers(bucket_name: str, limit: BucketLimit, remaining: int, reset_after: float) -> dict[str, str]:
        reset_after = _ceil_ms(reset_after)
        return {
            "X-RateLimit-Limit": str(limit.limit),
            "X-RateLimit-Remaining": str(max(0, remaining)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash(bucket_name),
        }
