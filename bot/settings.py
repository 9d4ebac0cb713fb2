"""Settings organisers change from Discord: which there are, how their text is read, how they override the file.

The config file is the base; a change made with ``/settings`` is stored per server as text (the same spelling the
file uses, e.g. ``7d, 1d`` or ``17:30``) and laid over it. :func:`effective_config` is the one place that combines
the two, so every feature keeps reading ``bot.config`` and sees the change at once. Nothing here knows Discord.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import LANGUAGES, Config
from bot.durations import format_offset, parse_clock_time, parse_offset

MAX_REMINDER_OFFSETS = 5
SHORTEST_OFFSET = timedelta(minutes=1)
LONGEST_OFFSET = timedelta(days=60)
MAX_NAME = 100
MAX_VENUE = 200  # also the longest controller or contact text


class SettingKey(enum.StrEnum):
    """A setting that ``/settings`` may change, named as in the config file."""

    ANNOUNCEMENTS_CHANNEL = "discord.announcements_channel_id"
    ORGANISERS_CHANNEL = "discord.organisers_channel_id"
    TOPICS_CHANNEL = "feedback.topics_channel_id"
    ORGANISER_ROLE = "discord.organiser_role_id"
    NETWORK_NAME = "network.name"
    LANGUAGE = "network.language"
    VENUE = "network.default_venue"
    START = "network.default_start"
    TIMEZONE = "network.timezone"
    REMINDER_OFFSETS = "reminders.offsets"
    MONTHLY_DAY = "reminders.monthly_day"
    MONTHLY_TIME = "reminders.monthly_time"
    PRIVACY_CONTROLLER = "privacy.controller"
    PRIVACY_CONTACT = "privacy.contact"

    @property
    def section(self) -> str:
        return self.value.split(".")[0]

    @property
    def field(self) -> str:
        return self.value.split(".")[1]

    @property
    def needs_manage_server(self) -> bool:
        """Who may post where and who organises is the server admins' call, not every organiser's."""
        return self in _ADMIN_KEYS

    @property
    def moves_rounds(self) -> bool:
        """A change to when or how timed rounds fall re-plans the coming ones."""
        return self in _TIMING_KEYS


_ADMIN_KEYS = frozenset(
    {
        SettingKey.ANNOUNCEMENTS_CHANNEL,
        SettingKey.ORGANISERS_CHANNEL,
        SettingKey.TOPICS_CHANNEL,
        SettingKey.ORGANISER_ROLE,
    }
)
_TIMING_KEYS = frozenset(
    {SettingKey.REMINDER_OFFSETS, SettingKey.MONTHLY_DAY, SettingKey.MONTHLY_TIME, SettingKey.TIMEZONE}
)


class SettingProblem(enum.StrEnum):
    """Why a value was refused; the Discord side turns each into a translated answer."""

    UNKNOWN_TIMEZONE = "unknown_timezone"
    BAD_OFFSET = "bad_offset"
    OFFSET_RANGE = "offset_range"
    DUPLICATE_OFFSET = "duplicate_offset"
    TOO_MANY_OFFSETS = "too_many_offsets"
    NO_OFFSETS = "no_offsets"
    BAD_TIME = "bad_time"
    BAD_DAY = "bad_day"
    BAD_LANGUAGE = "bad_language"
    EMPTY_TEXT = "empty_text"
    TOO_LONG = "too_long"


class SettingValueError(ValueError):
    """A value that cannot be used for ``key``; ``text`` is what the person typed."""

    def __init__(self, key: SettingKey, problem: SettingProblem, text: str) -> None:
        super().__init__(f"{key}: {problem.value}: {text!r}")
        self.key = key
        self.problem = problem
        self.text = text


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """``7d, 1d`` (commas or spaces) → the offsets, longest first."""
    key = SettingKey.REMINDER_OFFSETS
    items = [item for item in re.split(r"[,\s]+", text.strip()) if item]
    if not items:
        raise SettingValueError(key, SettingProblem.NO_OFFSETS, text)
    if len(items) > MAX_REMINDER_OFFSETS:
        raise SettingValueError(key, SettingProblem.TOO_MANY_OFFSETS, text)
    offsets: list[timedelta] = []
    for item in items:
        try:
            offset = parse_offset(item)
        except ValueError:
            raise SettingValueError(key, SettingProblem.BAD_OFFSET, item) from None
        if not SHORTEST_OFFSET <= offset <= LONGEST_OFFSET:
            raise SettingValueError(key, SettingProblem.OFFSET_RANGE, item)
        if offset in offsets:
            raise SettingValueError(key, SettingProblem.DUPLICATE_OFFSET, item)
        offsets.append(offset)
    return tuple(sorted(offsets, reverse=True))


def _clock_time(key: SettingKey) -> Callable[[str], time]:
    def parse(text: str) -> time:
        try:
            return parse_clock_time(text)
        except ValueError:
            raise SettingValueError(key, SettingProblem.BAD_TIME, text) from None

    return parse


def _timezone(text: str) -> ZoneInfo:
    try:
        return ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingValueError(SettingKey.TIMEZONE, SettingProblem.UNKNOWN_TIMEZONE, text) from None


def _monthly_day(text: str) -> int:
    value = text.strip()
    if not value.isdigit() or not 1 <= int(value) <= 28:
        raise SettingValueError(SettingKey.MONTHLY_DAY, SettingProblem.BAD_DAY, text)
    return int(value)


def _language(text: str) -> str:
    if text not in LANGUAGES:
        raise SettingValueError(SettingKey.LANGUAGE, SettingProblem.BAD_LANGUAGE, text)
    return text


def _text(key: SettingKey, limit: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip()
        if not value:
            raise SettingValueError(key, SettingProblem.EMPTY_TEXT, text)
        if len(value) > limit:
            raise SettingValueError(key, SettingProblem.TOO_LONG, text)
        return value

    return parse


def _snowflake(text: str) -> int:
    return int(text)


_PARSERS: dict[SettingKey, Callable[[str], Any]] = {
    SettingKey.ANNOUNCEMENTS_CHANNEL: _snowflake,
    SettingKey.ORGANISERS_CHANNEL: _snowflake,
    SettingKey.TOPICS_CHANNEL: _snowflake,
    SettingKey.ORGANISER_ROLE: _snowflake,
    SettingKey.NETWORK_NAME: _text(SettingKey.NETWORK_NAME, MAX_NAME),
    SettingKey.LANGUAGE: _language,
    SettingKey.VENUE: _text(SettingKey.VENUE, MAX_VENUE),
    SettingKey.START: _clock_time(SettingKey.START),
    SettingKey.TIMEZONE: _timezone,
    SettingKey.REMINDER_OFFSETS: parse_offsets,
    SettingKey.MONTHLY_DAY: _monthly_day,
    SettingKey.MONTHLY_TIME: _clock_time(SettingKey.MONTHLY_TIME),
    SettingKey.PRIVACY_CONTROLLER: _text(SettingKey.PRIVACY_CONTROLLER, MAX_VENUE),
    SettingKey.PRIVACY_CONTACT: _text(SettingKey.PRIVACY_CONTACT, MAX_VENUE),
}


def parse_setting(key: SettingKey, text: str) -> Any:
    """The typed value of ``text`` for ``key``; raises :class:`SettingValueError` if it cannot be used."""
    return _PARSERS[key](text)


def stored_text(key: SettingKey, value: Any) -> str:
    """The canonical spelling a value is stored and shown in (the config file's spelling)."""
    if key is SettingKey.REMINDER_OFFSETS:
        return ", ".join(format_offset(offset) for offset in value)
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, ZoneInfo):
        return value.key
    return str(value)


_CHANNEL_KEYS = frozenset({SettingKey.ANNOUNCEMENTS_CHANNEL, SettingKey.ORGANISERS_CHANNEL, SettingKey.TOPICS_CHANNEL})


def readable(key: SettingKey, stored: str) -> str:
    """A stored value as a person reads it in Discord: channels and roles as mentions (posts never ping)."""
    if key in _CHANNEL_KEYS:
        return f"<#{stored}>"
    if key is SettingKey.ORGANISER_ROLE:
        return f"<@&{stored}>"
    return stored


def current_value(config: Config, key: SettingKey) -> Any:
    return getattr(getattr(config, key.section), key.field)


def effective_config(base: Config, overrides: Mapping[SettingKey, str]) -> Config:
    """The file's config with the server's stored changes laid over it.

    A stored value the current rules refuse (written by an older version, say) is skipped, so the file's value
    stands rather than the bot failing to start.
    """
    sections: dict[str, dict[str, Any]] = {}
    for key, text in overrides.items():
        try:
            value = parse_setting(key, text)
        except (SettingValueError, ValueError):
            continue
        sections.setdefault(key.section, {})[key.field] = value
    return replace(base, **{section: replace(getattr(base, section), **fields) for section, fields in sections.items()})


@dataclass(frozen=True, slots=True)
class SettingChange:
    """One setting changed by ``/settings``: shown to the organiser and announced to the organisers' channel."""

    key: SettingKey
    old: str | None  # stored spelling; None: not set (only the topics channel may be unset)
    new: str | None
