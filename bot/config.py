"""Typed, validated configuration loaded from a TOML file, and the bot token from the environment.

Every problem becomes a :class:`ConfigError` that names the offending key and says how to fix it, so
``python -m bot`` can print one paragraph and exit with code 2 instead of a traceback.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.durations import format_offset, parse_clock_time, parse_offset
from bot.rsvp import GUESTS_PER_MEMBER_MAX

TOKEN_ENV = "DISCORD_TOKEN"
Language = Literal["da", "en"]
LANGUAGES: tuple[Language, ...] = ("da", "en")


class ConfigError(Exception):
    """A configuration problem a person can fix; ``key`` names the setting."""

    def __init__(self, key: str, problem: str, fix: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem
        self.fix = fix

    def paragraph(self) -> str:
        return f"Configuration error in '{self.key}': {self.problem} {self.fix}"


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    guild_id: int
    announcements_channel_id: int
    organisers_channel_id: int
    organiser_role_id: int


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    name: str
    timezone: ZoneInfo
    language: Language
    default_venue: str
    default_start: time


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    path: Path


@dataclass(frozen=True, slots=True)
class RemindersConfig:
    offsets: tuple[timedelta, ...]
    monthly_day: int = 1  # day of the month of the "this month's meetings" post
    monthly_time: time = time(9, 0)


@dataclass(frozen=True, slots=True)
class MeetingsConfig:
    duration: timedelta  # a meeting's end is its start plus this
    still_coming_before: timedelta  # when a full meeting asks those going whether they still come
    max_guests_per_member: int = 3  # guests one member may bring to one meeting


@dataclass(frozen=True, slots=True)
class ProgramConfig:
    intro_slots: int = 3  # newcomer intros per 1.0 meeting
    intro_minutes: int = 3  # minutes each
    newcomer_days: int = 120  # members who joined within this many days count as newcomers
    intro_invite_before: timedelta = timedelta(days=10)  # when newcomers are invited to present at a 1.0 meeting
    brief_before: timedelta = timedelta(days=2)  # when the hot-seat brief is posted in a thread


@dataclass(frozen=True, slots=True)
class FeedbackConfig:
    after_end: timedelta = timedelta(hours=1)  # when the feedback poll goes out after a meeting ends
    open_for: timedelta = timedelta(days=7)  # how long members can answer (and change their answer)
    topics_channel_id: int | None = None  # where /suggest posts topics; default: the announcements channel


@dataclass(frozen=True, slots=True)
class BackupConfig:
    every: timedelta  # how often the running bot copies the database
    keep: int  # backup files kept; the oldest beyond this are deleted
    dir: Path  # the backups' folder (the config's folder when parsed, the working directory when built in code)


@dataclass(frozen=True, slots=True)
class PrivacyConfig:
    controller: str | None = None  # who is responsible for members' data (shown by /privacy show)
    contact: str | None = None  # how members reach them, e.g. an e-mail address
    keep_after_leave: timedelta = timedelta(days=90)  # a member who left is erased this long after, unless they rejoin
    keep_comments: timedelta = timedelta(days=730)  # feedback comments are deleted this long after they were written
    keep_history: timedelta = timedelta(days=1095)  # answers and attendance of older meetings are made anonymous


@dataclass(frozen=True, slots=True)
class ProfilesConfig:
    suggest_before: timedelta = timedelta(days=1)  # when members going get "worth meeting" DMs before a meeting
    trades: tuple[str, ...] = ()  # the trades members choose from; empty: the default list (bot.profiles)


@dataclass(frozen=True, slots=True)
class Config:
    discord: DiscordConfig
    network: NetworkConfig
    database: DatabaseConfig
    reminders: RemindersConfig
    source: Path
    meetings: MeetingsConfig = MeetingsConfig(timedelta(minutes=150), timedelta(days=2))
    program: ProgramConfig = ProgramConfig()
    feedback: FeedbackConfig = FeedbackConfig()
    backup: BackupConfig = BackupConfig(timedelta(days=1), 14, Path("backups"))
    profiles: ProfilesConfig = ProfilesConfig()
    privacy: PrivacyConfig = PrivacyConfig()


_KNOWN_KEYS: dict[str, frozenset[str]] = {
    "discord": frozenset({"guild_id", "announcements_channel_id", "organisers_channel_id", "organiser_role_id"}),
    "network": frozenset({"name", "timezone", "language", "default_venue", "default_start"}),
    "database": frozenset({"path"}),
    "reminders": frozenset({"offsets", "monthly_day", "monthly_time"}),
    "meetings": frozenset({"duration", "still_coming_before", "max_guests_per_member"}),
    "feedback": frozenset({"after_end", "open_for", "topics_channel_id"}),
    "program": frozenset({"intro_slots", "intro_minutes", "newcomer_days", "intro_invite_before", "brief_before"}),
    "backup": frozenset({"every", "keep", "dir"}),
    "profiles": frozenset({"suggest_before", "trades"}),
    "privacy": frozenset({"controller", "contact", "keep_after_leave", "keep_comments", "keep_history"}),
}

_ID_FIX = "Run `python -m bot setup` to pick the {what} by name (it writes the id), or paste its id from Discord."


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = data.get(name)
    if table is None:
        raise ConfigError(name, "the section is missing.", f"Add a [{name}] section as in config.example.toml.")
    if not isinstance(table, dict):
        raise ConfigError(name, "must be a section.", f"Write it as [{name}] as in config.example.toml.")
    unknown = sorted(set(table) - _KNOWN_KEYS[name])
    if unknown:
        raise ConfigError(
            f"{name}.{unknown[0]}",
            "is not a setting this bot knows (a typo?).",
            f"Valid keys in [{name}] are: {', '.join(sorted(_KNOWN_KEYS[name]))}.",
        )
    return table


def _snowflake(table: Mapping[str, Any], section: str, key: str, what: str) -> int:
    value = table.get(key)
    full = f"{section}.{key}"
    if value is None:
        raise ConfigError(full, "is missing.", _ID_FIX.format(what=what))
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(full, f"must be a positive Discord id, not {value!r}.", _ID_FIX.format(what=what))
    return value


def _text(table: Mapping[str, Any], section: str, key: str, default: str, max_len: int = 100) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{section}.{key}", f"must be non-empty text, not {value!r}.", "Put it in quotes.")
    if len(value) > max_len:
        raise ConfigError(f"{section}.{key}", f"is longer than {max_len} characters.", "Shorten it.")
    return value.strip()


def _discord(data: Mapping[str, Any]) -> DiscordConfig:
    table = _table(data, "discord")
    return DiscordConfig(
        guild_id=_snowflake(table, "discord", "guild_id", "server icon"),
        announcements_channel_id=_snowflake(table, "discord", "announcements_channel_id", "announcements channel"),
        organisers_channel_id=_snowflake(table, "discord", "organisers_channel_id", "organisers' channel"),
        organiser_role_id=_snowflake(table, "discord", "organiser_role_id", "organiser role (Server Settings → Roles)"),
    )


def _network(data: Mapping[str, Any]) -> NetworkConfig:
    table = _table(data, "network") if "network" in data else {}
    tz_name = _text(table, "network", "timezone", "Europe/Copenhagen")
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            "network.timezone",
            f"{tz_name!r} is not a known time zone.",
            'Use an IANA name such as "Europe/Copenhagen".',
        ) from None
    language = table.get("language", "da")
    if language not in LANGUAGES:
        raise ConfigError("network.language", f'must be "da" or "en", not {language!r}.', 'Write language = "da".')
    start_text = _text(table, "network", "default_start", "17:30")
    try:
        default_start = parse_clock_time(start_text)
    except ValueError:
        raise ConfigError(
            "network.default_start", f"{start_text!r} is not a time of day.", 'Write it as "17:30".'
        ) from None
    return NetworkConfig(
        name=_text(table, "network", "name", "MikroVirk"),
        timezone=timezone,
        language=language,
        default_venue=_text(table, "network", "default_venue", "Møn Bibliotek", max_len=200),
        default_start=default_start,
    )


def _database(data: Mapping[str, Any], base: Path) -> DatabaseConfig:
    table = _table(data, "database") if "database" in data else {}
    raw = _text(table, "database", "path", "data/mikrovirk.sqlite3", max_len=4096)
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = base / path
    return DatabaseConfig(path=path)


def _reminders(data: Mapping[str, Any]) -> RemindersConfig:
    table = _table(data, "reminders") if "reminders" in data else {}
    raw = table.get("offsets", ["7d", "1d"])
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ConfigError(
            "reminders.offsets", f"must be a list of texts, not {raw!r}.", 'Write offsets = ["7d", "1d"].'
        )
    offsets: list[timedelta] = []
    for item in raw:
        try:
            offset = parse_offset(item)
        except ValueError:
            raise ConfigError(
                "reminders.offsets",
                f"{item!r} is not an offset.",
                'Use a number followed by d (days), h (hours) or m (minutes), e.g. "7d", "24h", "90m".',
            ) from None
        if offset <= timedelta(0) or offset > timedelta(days=60):
            raise ConfigError("reminders.offsets", f"{item!r} must be between 1m and 60d.", 'E.g. "7d".')
        offsets.append(offset)
    if len(set(offsets)) != len(offsets):
        raise ConfigError("reminders.offsets", "lists the same offset twice.", "Remove the duplicate.")
    monthly_day = table.get("monthly_day", 1)
    if isinstance(monthly_day, bool) or not isinstance(monthly_day, int) or not 1 <= monthly_day <= 28:
        raise ConfigError(
            "reminders.monthly_day",
            f"must be a day from 1 to 28 (every month has it), not {monthly_day!r}.",
            "Write monthly_day = 1.",
        )
    monthly_text = _text(table, "reminders", "monthly_time", "09:00")
    try:
        monthly_time = parse_clock_time(monthly_text)
    except ValueError:
        raise ConfigError(
            "reminders.monthly_time", f"{monthly_text!r} is not a time of day.", 'Write "09:00".'
        ) from None
    return RemindersConfig(
        offsets=tuple(sorted(offsets, reverse=True)), monthly_day=monthly_day, monthly_time=monthly_time
    )


def _duration(
    table: Mapping[str, Any], key: str, default: str, low: timedelta, high: timedelta, section: str = "meetings"
) -> timedelta:
    raw = table.get(key, default)
    try:
        value = parse_offset(raw) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ConfigError(
            f"{section}.{key}",
            f"{raw!r} is not a duration between {format_offset(low)} and {format_offset(high)}.",
            f'Use a number followed by d, h or m, e.g. "{default}".',
        )
    return value


def _meetings(data: Mapping[str, Any]) -> MeetingsConfig:
    table = _table(data, "meetings") if "meetings" in data else {}
    return MeetingsConfig(
        duration=_duration(table, "duration", "150m", timedelta(minutes=15), timedelta(hours=12)),
        still_coming_before=_duration(table, "still_coming_before", "2d", timedelta(hours=1), timedelta(days=14)),
        max_guests_per_member=_count(table, "meetings", "max_guests_per_member", 3, 1, GUESTS_PER_MEMBER_MAX),
    )


def _count(table: Mapping[str, Any], section: str, key: str, default: int, low: int, high: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(
            f"{section}.{key}", f"must be a whole number from {low} to {high}, not {value!r}.", f"E.g. {default}."
        )
    return value


def _program(data: Mapping[str, Any]) -> ProgramConfig:
    table = _table(data, "program") if "program" in data else {}
    day, two_months = timedelta(days=1), timedelta(days=60)
    return ProgramConfig(
        intro_slots=_count(table, "program", "intro_slots", 3, 1, 10),
        intro_minutes=_count(table, "program", "intro_minutes", 3, 1, 30),
        newcomer_days=_count(table, "program", "newcomer_days", 120, 1, 730),
        intro_invite_before=_duration(table, "intro_invite_before", "10d", day, two_months, "program"),
        brief_before=_duration(table, "brief_before", "2d", timedelta(hours=1), timedelta(days=14), "program"),
    )


def _feedback(data: Mapping[str, Any]) -> FeedbackConfig:
    table = _table(data, "feedback") if "feedback" in data else {}
    topics_channel = (
        _snowflake(table, "feedback", "topics_channel_id", "topics channel") if "topics_channel_id" in table else None
    )
    return FeedbackConfig(
        after_end=_duration(table, "after_end", "1h", timedelta(0), timedelta(days=2), "feedback"),
        open_for=_duration(table, "open_for", "7d", timedelta(hours=1), timedelta(days=30), "feedback"),
        topics_channel_id=topics_channel,
    )


def _privacy(data: Mapping[str, Any]) -> PrivacyConfig:
    table = _table(data, "privacy") if "privacy" in data else {}
    day, ten_years = timedelta(days=1), timedelta(days=3653)
    return PrivacyConfig(
        controller=_text(table, "privacy", "controller", "-", max_len=200) if "controller" in table else None,
        contact=_text(table, "privacy", "contact", "-", max_len=200) if "contact" in table else None,
        keep_after_leave=_duration(table, "keep_after_leave", "90d", day, ten_years, "privacy"),
        keep_comments=_duration(table, "keep_comments", "730d", day, ten_years, "privacy"),
        keep_history=_duration(table, "keep_history", "1095d", timedelta(days=30), ten_years, "privacy"),
    )


def _profiles(data: Mapping[str, Any]) -> ProfilesConfig:
    table = _table(data, "profiles") if "profiles" in data else {}
    trades = table.get("trades", [])
    names = [t.strip() for t in trades if isinstance(t, str)] if isinstance(trades, list) else []
    # Discord offers at most 25 choices while a member types: the list, and "other" for the member's own words.
    fine = isinstance(trades, list) and len(names) == len(trades) <= 24 and all(0 < len(n) <= 40 for n in names)
    if not fine or len({name.casefold() for name in names}) < len(names):
        raise ConfigError(
            "profiles.trades",
            f"must be a list of at most 24 different trade names of 1-40 characters, not {trades!r}.",
            'E.g. trades = ["bookkeeping", "crafts", "Fiskeri"]; leave it out for the default list.',
        )
    return ProfilesConfig(
        _duration(table, "suggest_before", "1d", timedelta(hours=1), timedelta(days=14), "profiles"), tuple(names)
    )


def _backup(data: Mapping[str, Any], base: Path) -> BackupConfig:
    table = _table(data, "backup") if "backup" in data else {}
    # Retries of a failed backup take 15 minutes; an hour apart they never overlap the next one.
    every = _duration(table, "every", "1d", timedelta(hours=1), timedelta(days=30), "backup")
    folder = Path(_text(table, "backup", "dir", "backups", max_len=4096)).expanduser()
    return BackupConfig(
        every=every,
        keep=_count(table, "backup", "keep", 14, 1, 1000),
        dir=folder if folder.is_absolute() else base / folder,
    )


def parse_config(data: Mapping[str, Any], source: Path) -> Config:
    """Validate an already-parsed TOML document; relative paths are resolved against ``source``'s folder."""
    unknown = sorted(set(data) - set(_KNOWN_KEYS))
    if unknown:
        raise ConfigError(
            unknown[0],
            "is not a section this bot knows (a typo?).",
            f"Valid sections are: {', '.join(f'[{name}]' for name in _KNOWN_KEYS)}.",
        )
    return Config(
        discord=_discord(data),
        network=_network(data),
        database=_database(data, source.parent),
        reminders=_reminders(data),
        source=source,
        meetings=_meetings(data),
        program=_program(data),
        feedback=_feedback(data),
        backup=_backup(data, source.parent),
        profiles=_profiles(data),
        privacy=_privacy(data),
    )


def load_config(path: Path) -> Config:
    """Read and validate the TOML configuration file at ``path``."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            "--config",
            f"the file {str(path)!r} does not exist.",
            "Copy config.example.toml to that path and fill in your server's ids.",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("--config", f"{str(path)!r} is not valid TOML ({exc}).", "Fix the syntax.") from None
    return parse_config(data, path.resolve())


def load_token(environ: Mapping[str, str] = os.environ) -> str:
    """Return the bot token from ``DISCORD_TOKEN``; never read from a file that could be committed."""
    token = environ.get(TOKEN_ENV, "").strip()
    fix = (
        f"Create a bot in the Discord Developer Portal (Applications → your app → Bot → Reset Token) and run "
        f"with the token in the environment: export {TOKEN_ENV}=... (never put it in the config file)."
    )
    if not token:
        raise ConfigError(TOKEN_ENV, "the environment variable is not set.", fix)
    if token.lower().startswith("bot ") or any(char.isspace() for char in token):
        raise ConfigError(TOKEN_ENV, "does not look like a bot token (it contains spaces or a 'Bot ' prefix).", fix)
    return token
