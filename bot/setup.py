"""What ``python -m bot setup`` asks and decides (the conversation is in :mod:`bot.setup_wizard`, the look-ups in
:mod:`bot.setup_discord`): which server, channel or role a typed name means and which are likely, which permissions the
bot needs where and has, which settings are asked, and how the config file and the token's environment file are
written. Plain data, no Discord: a test holds each rule.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import LANGUAGES, TOKEN_ENV, ConfigError
from bot.durations import parse_clock_time

if TYPE_CHECKING:
    from tomlkit.items import Table as TomlTable


class SetupError(Exception):
    """A problem that stops the setup; the message is one paragraph for the person."""

    def paragraph(self) -> str:
        return str(self)


class Place(StrEnum):
    """Where the bot uses a permission."""

    ANNOUNCEMENTS = "announcements channel"
    ORGANISERS = "organisers' channel"
    SERVER = "server"


@dataclass(frozen=True, slots=True)
class NeededPermission:
    flag: str  # the discord.Permissions attribute
    bit: int  # its bit (https://discord.com/developers/docs/topics/permissions)
    places: tuple[Place, ...]
    why: str


_A, _O, _S = Place.ANNOUNCEMENTS, Place.ORGANISERS, Place.SERVER
# Every permission the bot uses, where, and why — found from the REST calls in bot/ and cogs/ (channel.send,
# add_reaction, fetch_message, remove_reaction, create_thread, thread.send, files=, create_scheduled_event). The invite
# asks for exactly these (integer 317827705920) and the wizard checks each where it is used. No Manage Roles: the bot
# never gives or takes roles. Interaction replies (CSV and calendar files included) need no channel permission.
NEEDED_PERMISSIONS: tuple[NeededPermission, ...] = (
    NeededPermission("view_channel", 1 << 10, (_A, _O), "sees the channel"),
    NeededPermission("send_messages", 1 << 11, (_A, _O), "posts announcements, reminders and organiser notices"),
    NeededPermission("embed_links", 1 << 14, (_A, _O), "every post is an embed"),
    NeededPermission("attach_files", 1 << 15, (_O,), "feedback charts for the organisers"),
    NeededPermission("add_reactions", 1 << 6, (_A,), "puts ✅ ❔ ❌ under each announcement"),
    NeededPermission("read_message_history", 1 << 16, (_A,), "finds its announcements and their reactions again"),
    NeededPermission("manage_messages", 1 << 13, (_A,), "removes a member's previous RSVP reaction"),
    NeededPermission("create_public_threads", 1 << 35, (_A,), "starts the hot-seat brief thread under an announcement"),
    NeededPermission("send_messages_in_threads", 1 << 38, (_A,), "posts the brief in that thread"),
    NeededPermission("manage_events", 1 << 33, (_S,), "mirrors meetings as Discord events"),
)
INVITE_PERMISSIONS = sum(needed.bit for needed in NEEDED_PERMISSIONS)
_ADMINISTRATOR = 1 << 3
_EVERY_PERMISSION = (1 << 64) - 1  # what the owner and administrators have: every bit of Discord's bit field

# Words in the names of likely choices (Danish and English), strongest first.
ANNOUNCEMENTS_WORDS = ("annoncering", "announcement", "meddelelse", "møde", "meeting", "nyhed", "news")
ORGANISERS_WORDS = ("arrangør", "organiser", "organizer", "styregruppe", "bestyrelse", "board")
ORGANISER_ROLE_WORDS = ("arrangør", "organiser", "organizer", "styregruppe", "bestyrelse")


# -- choices -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    """A server the person can pick, by number, name or id."""

    id: int
    name: str

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class RoleChoice(Choice):
    @property
    def label(self) -> str:
        return f"@{self.name}"


@dataclass(frozen=True, slots=True)
class Overwrite:
    """A channel's permission overwrite for a role or a member."""

    target_id: int
    is_member: bool
    allow: int
    deny: int


@dataclass(frozen=True, slots=True)
class ChannelChoice(Choice):
    overwrites: tuple[Overwrite, ...] = ()

    @property
    def label(self) -> str:
        return f"#{self.name}"


C = TypeVar("C", bound=Choice)


def _fold(name: str) -> str:
    """A name as people type it: any case, with or without # or @, spaces and dashes alike (Discord's channel names
    have dashes where people type spaces)."""
    return re.sub(r"[\s_-]+", "-", name.strip().lstrip("#@").strip().casefold())


def matching(query: str, candidates: Sequence[C]) -> list[C]:
    """The candidates ``query`` means: its id; else every name equal to it; else every name containing it."""
    text = query.strip()
    if text.isdigit():
        by_id = [candidate for candidate in candidates if candidate.id == int(text)]
        if by_id:
            return by_id
    wanted = _fold(text)
    if not wanted:
        return []
    exact = [candidate for candidate in candidates if _fold(candidate.name) == wanted]
    return exact or [candidate for candidate in candidates if wanted in _fold(candidate.name)]


def pick(query: str, candidates: Sequence[C], what: str, flag: str) -> C:
    """The one candidate ``query`` means, or a :class:`ConfigError` for ``flag`` that lists the candidates."""
    found = matching(query, candidates)
    if len(found) == 1:
        return found[0]
    if not found:
        listing = ", ".join(candidate.label for candidate in candidates) or "none"
        raise ConfigError(flag, f"no {what} matches {query!r}.", f"Choose one of: {listing}.")
    listing = ", ".join(candidate.label for candidate in found)
    raise ConfigError(flag, f"{query!r} matches more than one {what}: {listing}.", "Give the full name or the id.")


def suggest(candidates: Sequence[C], words: Sequence[str], current_id: int | None = None) -> C | None:
    """The choice already in the config if it still exists, else the first whose name holds the strongest word."""
    for candidate in candidates:
        if candidate.id == current_id:
            return candidate
    for word in words:
        for candidate in candidates:
            if word in _fold(candidate.name):
                return candidate
    return None


# -- permissions ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BotMember:
    """What decides the bot's permissions in a server: its roles, every role's permissions, and ownership."""

    guild_id: int  # also the id of the @everyone role
    user_id: int
    role_ids: frozenset[int]
    role_permissions: Mapping[int, int]
    is_owner: bool = False


def effective_permissions(member: BotMember, overwrites: Sequence[Overwrite] = ()) -> int:
    """Discord's algorithm (developer docs, Permissions → Permission Overwrites): @everyone's and the member's roles'
    permissions; everything for the owner or an administrator; then the channel's @everyone overwrite, its role
    overwrites together, and last its overwrite for the member. Without ``overwrites``: the server-wide permissions."""
    if member.is_owner:
        return _EVERY_PERMISSION
    bits = member.role_permissions.get(member.guild_id, 0)
    for role_id in member.role_ids:
        bits |= member.role_permissions.get(role_id, 0)
    if bits & _ADMINISTRATOR:
        return _EVERY_PERMISSION
    everyone = next((o for o in overwrites if o.target_id == member.guild_id and not o.is_member), None)
    if everyone is not None:
        bits = (bits & ~everyone.deny) | everyone.allow
    allow = deny = 0
    for overwrite in overwrites:
        if not overwrite.is_member and overwrite.target_id in member.role_ids:
            allow |= overwrite.allow
            deny |= overwrite.deny
    bits = (bits & ~deny) | allow
    own = next((o for o in overwrites if o.target_id == member.user_id and o.is_member), None)
    if own is not None:
        bits = (bits & ~own.deny) | own.allow
    return bits


def permission_label(flag: str) -> str:
    """``send_messages_in_threads`` → ``Send Messages in Threads``, as Discord's settings show it."""
    return flag.replace("_", " ").title().replace(" In ", " in ")


def missing_permissions(granted: int, place: Place) -> list[NeededPermission]:
    return [needed for needed in NEEDED_PERMISSIONS if place in needed.places and not granted & needed.bit]


def missing_warning(lacking: Sequence[NeededPermission], where: str) -> str:
    """One paragraph naming each missing permission, what it is for, and where to give it."""
    listing = "; ".join(f"{permission_label(needed.flag)} ({needed.why})" for needed in lacking)
    them = "it" if len(lacking) == 1 else "them"
    fix = (
        f"Give {them} to the bot's role in Server Settings → Roles"
        if where == Place.SERVER
        else f"Allow {them} for the bot's role in the channel's settings (Edit Channel → Permissions)"
    )
    return f"Warning: the bot lacks {listing} in the {where}. {fix}; until then the bot cannot do that."


# -- network settings ----------------------------------------------------------------------------------------------
# Each turns a typed answer into the value written to [network], or raises ValueError with the reason.


def parse_text(text: str) -> str:
    if not text.strip() or len(text) > 100:
        raise ValueError("must be 1 to 100 characters.")
    return text.strip()


def parse_language(text: str) -> str:
    if text.strip().casefold() not in LANGUAGES:
        raise ValueError(f"is not one of {', '.join(LANGUAGES)}.")
    return text.strip().casefold()


def parse_timezone(text: str) -> str:
    try:
        return ZoneInfo(text.strip()).key
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("is not an IANA time zone, e.g. Europe/Copenhagen.") from None


def parse_start(text: str) -> str:
    try:
        return f"{parse_clock_time(text):%H:%M}"
    except ValueError:
        raise ValueError("is not a time of day written HH:MM, e.g. 17:30.") from None


# -- what is asked ------------------------------------------------------------------------------------------------

DEFAULT_WAIT_SECONDS = 900.0


@dataclass(frozen=True, slots=True)
class SetupOptions:
    """The flags of ``python -m bot setup``: a value given is not asked; ``yes`` asks nothing at all."""

    config_path: Path = Path("config.toml")
    server: str | None = None
    announcements: str | None = None
    organisers: str | None = None
    organiser_role: str | None = None
    name: str | None = None
    language: str | None = None
    timezone: str | None = None
    venue: str | None = None
    start: str | None = None
    database: str | None = None
    env_file: Path | None = None
    yes: bool = False
    wait: float = DEFAULT_WAIT_SECONDS  # how long to wait for the bot to be added to a server


@dataclass(frozen=True, slots=True)
class ChoiceQuestion:
    flag: str
    given: Callable[[SetupOptions], str | None]
    what: str
    question: str
    key: str  # in [discord]
    words: tuple[str, ...] = ()  # in the names of likely answers


SERVER = ChoiceQuestion("--server", lambda o: o.server, "server", "Server", "guild_id")
ANNOUNCEMENTS = ChoiceQuestion(
    "--announcements",
    lambda o: o.announcements,
    "text channel",
    "Announcements channel (meetings and reminders are posted here)",
    "announcements_channel_id",
    ANNOUNCEMENTS_WORDS,
)
ORGANISERS = ChoiceQuestion(
    "--organisers",
    lambda o: o.organisers,
    "text channel",
    "Organisers' channel (notices for the organisers)",
    "organisers_channel_id",
    ORGANISERS_WORDS,
)
ORGANISER_ROLE = ChoiceQuestion(
    "--organiser-role",
    lambda o: o.organiser_role,
    "role",
    "Organisers' role (members with it may create and change meetings)",
    "organiser_role_id",
    ORGANISER_ROLE_WORDS,
)


@dataclass(frozen=True, slots=True)
class NetworkQuestion:
    key: str  # in [network]
    flag: str
    given: Callable[[SetupOptions], str | None]
    question: str
    parse: Callable[[str], str]  # raises ValueError with the reason


NETWORK_QUESTIONS = (
    NetworkQuestion("name", "--name", lambda o: o.name, "The network's name (used in posts)", parse_text),
    NetworkQuestion(
        "language",
        "--language",
        lambda o: o.language,
        f"Public posts' language ({'/'.join(LANGUAGES)})",
        parse_language,
    ),
    NetworkQuestion(
        "timezone", "--timezone", lambda o: o.timezone, "Time zone meetings are planned in", parse_timezone
    ),
    NetworkQuestion("default_venue", "--venue", lambda o: o.venue, "Usual venue", parse_text),
    NetworkQuestion("default_start", "--start", lambda o: o.start, "Usual start time (HH:MM)", parse_start),
)


# -- files ---------------------------------------------------------------------------------------------------------


def render_config(template: str, changes: Mapping[str, Mapping[str, Any]]) -> str:
    """``template`` (an existing config, or the example's text) with ``changes`` (section → key → value) set; every
    comment and every other key stays, and a trailing comment keeps its column where the new value leaves room."""
    # Only `setup` writes TOML: tomlkit (~1 MB) stays out of the running bot's memory.
    import tomlkit
    from tomlkit.items import Table

    document = tomlkit.parse(template)
    for section, values in changes.items():
        if section not in document:
            document.add(section, tomlkit.table())
        table = document[section]
        if not isinstance(table, Table):
            raise ConfigError(section, "must be a section.", f"Write it as [{section}] as in config.example.toml.")
        for key, value in values.items():
            _set_keeping_comment_column(table, key, value)
    return document.as_string()


def _set_keeping_comment_column(table: TomlTable, key: str, value: Any) -> None:
    from tomlkit.items import Item

    old = table.item(key) if key in table else None
    table[key] = value
    new = table.item(key)
    if isinstance(old, Item) and isinstance(new, Item) and new.trivia.comment:
        comment_column = len(old.as_string()) + len(old.trivia.comment_ws)
        new.trivia.comment_ws = " " * max(1, comment_column - len(new.as_string()))


def write_env_file(path: Path, token: str) -> None:
    """Put ``DISCORD_TOKEN=token`` into ``path`` (other lines stay), readable by its owner only: the new text goes into
    a file created with mode 0600 (never wider, whatever the umask), which then replaces the old one."""
    lines = []
    if path.exists():
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.partition("=")[0] != TOKEN_ENV]
    lines.append(f"{TOKEN_ENV}={token}")
    fresh = path.with_name(f".{path.name}.{os.getpid()}.new")
    descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        os.replace(fresh, path)
    except BaseException:
        fresh.unlink(missing_ok=True)
        raise
