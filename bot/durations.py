"""Durations and times of day as people write them in the config file and in commands: ``7d``, ``90m``, ``17:30``."""

from __future__ import annotations

import re
from datetime import time, timedelta

_OFFSET_RE = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_TIME_RE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def parse_offset(text: str) -> timedelta:
    """Parse a reminder offset such as ``7d``, ``24h`` or ``90m``."""
    match = _OFFSET_RE.match(text)
    if match is None:
        raise ValueError(text)
    amount, unit = int(match.group(1)), match.group(2)
    return {"d": timedelta(days=amount), "h": timedelta(hours=amount), "m": timedelta(minutes=amount)}[unit]


def format_offset(offset: timedelta) -> str:
    """The inverse of :func:`parse_offset`: ``7d``, ``36h`` or ``90m``."""
    minutes = offset // timedelta(minutes=1)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def parse_clock_time(text: str) -> time:
    """Parse a wall-clock time written ``17:30`` or ``17.30``."""
    match = _TIME_RE.match(text)
    if match is None:
        raise ValueError(text)
    return time(int(match.group(1)), int(match.group(2)))
