"""In-memory Discord world: users, guilds, channels, roles, messages, commands, interactions.

Everything here is synchronous and free of I/O. Mutating operations that Discord would
announce on the gateway call :attr:`World.dispatch`, which the emulator wires to the
gateway hub (it only *enqueues* frames, so it is safe to call from synchronous code).
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import mimetypes
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias, TypedDict, runtime_checkable

JSON: TypeAlias = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000


class Perm:
    """Permission bits (https://discord.com/developers/docs/topics/permissions)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    USE_VAD = 1 << 25
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_EVENTS = 1 << 33
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    CREATE_EVENTS = 1 << 44
    SEND_POLLS = 1 << 49


#: Every permission bit known to discord.py 2.7.1 (``discord.Permissions.all().value``).
ALL_PERMISSIONS = 8_866_461_766_385_663
#: Default permissions of the bot's managed role: everything except ADMINISTRATOR, so a test can
#: remove a single bit (e.g. MANAGE_MESSAGES) and see the effect.
DEFAULT_BOT_PERMISSIONS = ALL_PERMISSIONS & ~Perm.ADMINISTRATOR
#: Roughly what Discord gives @everyone in a new guild.
DEFAULT_EVERYONE_PERMISSIONS = (
    Perm.CREATE_INSTANT_INVITE
    | Perm.ADD_REACTIONS
    | Perm.STREAM
    | Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.USE_EXTERNAL_EMOJIS
    | Perm.CONNECT
    | Perm.SPEAK
    | Perm.USE_VAD
    | Perm.CHANGE_NICKNAME
    | Perm.USE_APPLICATION_COMMANDS
    | Perm.CREATE_PUBLIC_THREADS
    | Perm.SEND_MESSAGES_IN_THREADS
    | Perm.SEND_POLLS
)
#: Implicit permissions in a DM channel.
DM_PERMISSIONS = (
    Perm.ADD_REACTIONS
    | Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.USE_EXTERNAL_EMOJIS
    | Perm.USE_APPLICATION_COMMANDS
)


class Intent:
    """Gateway intent bits."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    MESSAGE_CONTENT = 1 << 15
    GUILD_SCHEDULED_EVENTS = 1 << 16
    GUILD_PRESENCES = 1 << 8

    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


class ChannelType:
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_STAGE_VOICE = 13

    THREADS = (ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD)
    #: channels threads can be started in
    THREAD_PARENTS = (GUILD_TEXT, GUILD_ANNOUNCEMENT)


class MessageFlag:
    HAS_THREAD = 1 << 5
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7
    IS_COMPONENTS_V2 = 1 << 15


#: Values Discord accepts for a thread's ``auto_archive_duration`` (minutes).
THREAD_ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)

#: Locales Discord accepts in ``*_localizations`` and as a user locale.
DISCORD_LOCALES = frozenset(
    {
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    }
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


#: a zero-argument callable returning an aware datetime: the emulator's idea of "now"
Clock: TypeAlias = Callable[[], dt.datetime]

#: guild scheduled event statuses
EVENT_SCHEDULED, EVENT_ACTIVE, EVENT_COMPLETED, EVENT_CANCELED = 1, 2, 3, 4
#: guild scheduled event entity types
EVENT_STAGE_INSTANCE, EVENT_VOICE, EVENT_EXTERNAL = 1, 2, 3


def iso(value: dt.datetime | None) -> str | None:
    """Discord's timestamp format (ISO 8601 with an explicit UTC offset)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat()


def parse_iso(value: str) -> dt.datetime:
    """Parse an ISO 8601 timestamp; naive values are taken as UTC. Raises ValueError."""
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


class SnowflakeGenerator:
    """Monotonic snowflakes whose timestamp part is the current wall-clock time."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        now_ms = int(time.time() * 1000)
        candidate = (now_ms - DISCORD_EPOCH_MS) << 22
        self._last = max(self._last + 1, candidate)
        return self._last


def snowflake_time(snowflake: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=dt.UTC)


@runtime_checkable
class HasId(Protocol):
    """Anything with an integer ``id`` (fake entities, discord.py models, ``discord.Object``)."""

    @property
    def id(self) -> int: ...


Ref: TypeAlias = "HasId | int | str"


def ref_id(ref: Ref) -> int:
    """The snowflake of an entity reference (object with ``.id``, int, or numeric string)."""
    if isinstance(ref, bool):
        raise TypeError("a bool is not an entity reference")
    if isinstance(ref, int):
        return ref
    if isinstance(ref, str):
        return int(ref)
    return int(ref.id)


# --------------------------------------------------------------------------------------------
# entities
# --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class FakeUser:
    id: int
    name: str
    locale: str = "en-US"
    accepts_dms: bool = True
    bot: bool = False
    global_name: str | None = None

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_dict(self) -> JSON:
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
        }

    def __repr__(self) -> str:
        return f"<FakeUser id={self.id} name={self.name!r}{' bot' if self.bot else ''}>"


@dataclass(eq=False)
class FakeRole:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    tags: JSON | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_dict(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.tags is not None:
            data["tags"] = self.tags
        return data

    def __repr__(self) -> str:
        return f"<FakeRole id={self.id} name={self.name!r} permissions={self.permissions}>"


@dataclass(eq=False)
class FakeMember:
    user: FakeUser
    guild_id: int
    roles: list[int]
    joined_at: dt.datetime
    nick: str | None = None

    @property
    def id(self) -> int:
        return self.user.id

    def to_dict(self, *, with_user: bool = True) -> JSON:
        data: JSON = {
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in self.roles],
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.to_dict()
        return data


@dataclass(eq=False)
class PermissionOverwrite:
    id: int
    type: int  # 0 = role, 1 = member
    allow: int = 0
    deny: int = 0

    def to_dict(self) -> JSON:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass(eq=False)
class ThreadInfo:
    """The thread-only part of a :class:`FakeChannel` (``channel.thread``)."""

    owner_id: int
    auto_archive_duration: int = 1440
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    archive_timestamp: dt.datetime = field(default_factory=utcnow)
    created_at: dt.datetime = field(default_factory=utcnow)
    message_count: int = 0
    total_message_sent: int = 0
    #: the message the thread was started from (its id is the thread's id), if any
    starter_message_id: int | None = None
    #: user id -> join time, in joining order
    members: dict[int, dt.datetime] = field(default_factory=dict)

    @property
    def member_count(self) -> int:
        """What Discord reports: the number of members, capped at 50."""
        return min(len(self.members), 50)


@dataclass(eq=False)
class FakeChannel:
    id: int
    type: int
    name: str
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    rate_limit_per_user: int = 0
    overwrites: list[PermissionOverwrite] = field(default_factory=list)
    recipient_id: int | None = None
    last_message_id: int | None = None
    #: set for threads (types 10, 11, 12); ``parent_id`` is then the text/announcement channel
    thread: ThreadInfo | None = None

    @property
    def is_dm(self) -> bool:
        return self.type == ChannelType.DM

    @property
    def is_thread(self) -> bool:
        return self.thread is not None

    @property
    def archived(self) -> bool:
        """Whether this is an archived thread (always False for other channels)."""
        return self.thread is not None and self.thread.archived

    @property
    def locked(self) -> bool:
        """Whether this is a locked thread (always False for other channels)."""
        return self.thread is not None and self.thread.locked

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def __repr__(self) -> str:
        return f"<FakeChannel id={self.id} type={self.type} name={self.name!r}>"


@dataclass(eq=False)
class FakeEmoji:
    id: int
    name: str
    animated: bool = False

    @property
    def key(self) -> str:
        return f"{self.name}:{self.id}"

    def to_dict(self) -> JSON:
        return {
            "id": str(self.id),
            "name": self.name,
            "animated": self.animated,
            "roles": [],
            "require_colons": True,
            "managed": False,
            "available": True,
        }


class StoredAttachment(TypedDict):
    """An uploaded file as the emulator keeps it (``content`` holds the raw bytes)."""

    id: int
    filename: str
    content: bytes
    content_type: str | None
    size: int
    description: str | None


@dataclass(eq=False)
class FakeMessage:
    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[StoredAttachment] = field(default_factory=list)
    #: emoji key ("✅" or "name:id") -> user ids, in the order they reacted
    reactions: dict[str, list[int]] = field(default_factory=dict)
    #: the JSON payload of every edit, in order
    edits: list[JSON] = field(default_factory=list)
    deleted: bool = False
    nonce: str | None = None
    flags: int = 0
    type: int = 0
    tts: bool = False
    pinned: bool = False
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    interaction_metadata: JSON | None = None
    interaction_legacy: JSON | None = None
    message_reference: JSON | None = None
    poll: JSON | None = None
    mentions: list[int] = field(default_factory=list)
    mention_roles: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    created_at: dt.datetime = field(default_factory=utcnow)
    edited_at: dt.datetime | None = None
    #: the thread started from this message (same id as the message), if any
    thread_id: int | None = None

    @property
    def edit_count(self) -> int:
        return len(self.edits)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MessageFlag.EPHEMERAL)

    def reaction_count(self, emoji: str) -> int:
        return len(self.reactions.get(emoji_key(emoji), []))

    def __repr__(self) -> str:
        extra = " deleted" if self.deleted else ""
        extra += " ephemeral" if self.ephemeral else ""
        return f"<FakeMessage id={self.id} channel={self.channel_id} content={self.content[:40]!r}{extra}>"


@dataclass(eq=False)
class FakeInteraction:
    """Server-side record of one interaction and everything the bot did with it."""

    id: int
    token: str
    type: int
    user_id: int
    channel_id: int
    guild_id: int | None
    locale: str
    payload: JSON
    name: str | None = None
    source_message_id: int | None = None
    parent: FakeInteraction | None = None
    created: float = field(default_factory=time.monotonic)
    response_type: int | None = None
    response_body: JSON | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    modal: JSON | None = None
    #: the modal this interaction opened was submitted and the bot answered: Discord closed it
    modal_closed: bool = False
    choices: list[JSON] | None = None
    #: set once a deferred response was completed (@original edited/deleted or a follow-up sent)
    completed: bool = False
    updated: asyncio.Event = field(default_factory=asyncio.Event)

    def touch(self) -> None:
        self.updated.set()


class FakeGuild:
    """A guild. Create with :meth:`FakeDiscord.add_guild`."""

    def __init__(
        self,
        world: World,
        *,
        guild_id: int,
        name: str,
        owner_id: int,
        preferred_locale: str,
        bot_permissions: int,
    ) -> None:
        self._world = world
        self.id = guild_id
        self.name = name
        self.owner_id = owner_id
        self.preferred_locale = preferred_locale
        self.roles: dict[int, FakeRole] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.members: dict[int, FakeMember] = {}
        self.emojis: dict[int, FakeEmoji] = {}
        self.scheduled_events: dict[int, JSON] = {}
        #: threads by id (kept apart from ``channels``, like Discord's guild channel list)
        self.threads_by_id: dict[int, FakeChannel] = {}
        self.joined_at = utcnow()
        everyone = FakeRole(id=guild_id, guild_id=guild_id, name="@everyone", permissions=DEFAULT_EVERYONE_PERMISSIONS)
        self.roles[everyone.id] = everyone
        bot_user = world.bot_user
        self.bot_role = FakeRole(
            id=world.new_id(),
            guild_id=guild_id,
            name=bot_user.name,
            permissions=bot_permissions,
            position=100,
            managed=True,
            tags={"bot_id": str(bot_user.id)},
        )
        self.roles[self.bot_role.id] = self.bot_role
        self.members[bot_user.id] = FakeMember(
            user=bot_user, guild_id=guild_id, roles=[self.bot_role.id], joined_at=self.joined_at
        )

    def __repr__(self) -> str:
        return f"<FakeGuild id={self.id} name={self.name!r}>"

    # -- structure ---------------------------------------------------------------------------

    @property
    def everyone_role(self) -> FakeRole:
        return self.roles[self.id]

    @property
    def text_channels(self) -> list[FakeChannel]:
        return [c for c in self.channels.values() if c.type in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT)]

    @property
    def threads(self) -> list[FakeChannel]:
        """Every thread of the guild (active and archived), oldest first."""
        return sorted(self.threads_by_id.values(), key=lambda t: t.id)

    def _add_channel(
        self,
        name: str,
        channel_type: int,
        *,
        topic: str | None,
        position: int | None,
        category: FakeChannel | None,
        overwrites: Iterable[PermissionOverwrite] | None,
    ) -> FakeChannel:
        channel = FakeChannel(
            id=self._world.new_id(),
            type=channel_type,
            name=name,
            guild_id=self.id,
            position=len(self.channels) if position is None else position,
            topic=topic,
            parent_id=category.id if category is not None else None,
            overwrites=list(overwrites or []),
        )
        self.channels[channel.id] = channel
        self._world.channels[channel.id] = channel
        self._world.dispatch("CHANNEL_CREATE", self._world.channel_dict(channel), Intent.GUILDS)
        return channel

    def add_text_channel(
        self,
        name: str,
        *,
        topic: str | None = None,
        position: int | None = None,
        category: FakeChannel | None = None,
        overwrites: Iterable[PermissionOverwrite] | None = None,
        announcement: bool = False,
    ) -> FakeChannel:
        kind = ChannelType.GUILD_ANNOUNCEMENT if announcement else ChannelType.GUILD_TEXT
        return self._add_channel(name, kind, topic=topic, position=position, category=category, overwrites=overwrites)

    def add_voice_channel(
        self,
        name: str,
        *,
        position: int | None = None,
        category: FakeChannel | None = None,
        stage: bool = False,
    ) -> FakeChannel:
        kind = ChannelType.GUILD_STAGE_VOICE if stage else ChannelType.GUILD_VOICE
        return self._add_channel(name, kind, topic=None, position=position, category=category, overwrites=None)

    def add_category(self, name: str, *, position: int | None = None) -> FakeChannel:
        return self._add_channel(
            name, ChannelType.GUILD_CATEGORY, topic=None, position=position, category=None, overwrites=None
        )

    def set_permissions(self, channel: FakeChannel, target: Ref, *, allow: int = 0, deny: int = 0) -> None:
        """Set a channel overwrite for a role or a user (dispatches CHANNEL_UPDATE)."""
        target_id = ref_id(target)
        kind = 0 if target_id in self.roles else 1
        channel.overwrites = [o for o in channel.overwrites if o.id != target_id]
        if allow or deny:
            channel.overwrites.append(PermissionOverwrite(id=target_id, type=kind, allow=allow, deny=deny))
        self._world.dispatch("CHANNEL_UPDATE", self._world.channel_dict(channel), Intent.GUILDS)

    def add_role(
        self,
        name: str,
        permissions: int = 0,
        *,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
        position: int | None = None,
    ) -> FakeRole:
        if position is None:
            position = max((r.position for r in self.roles.values() if not r.managed), default=0) + 1
        role = FakeRole(
            id=self._world.new_id(),
            guild_id=self.id,
            name=name,
            permissions=permissions,
            position=position,
            color=color,
            hoist=hoist,
            mentionable=mentionable,
        )
        self.roles[role.id] = role
        self._world.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(self.id), "role": role.to_dict()}, Intent.GUILDS)
        return role

    def edit_role(self, role: FakeRole, *, permissions: int | None = None, name: str | None = None) -> None:
        """Change a role (dispatches GUILD_ROLE_UPDATE)."""
        if permissions is not None:
            role.permissions = permissions
        if name is not None:
            role.name = name
        self._world.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(self.id), "role": role.to_dict()}, Intent.GUILDS)

    def set_bot_permissions(self, permissions: int) -> None:
        """Replace the permissions of the bot's managed role."""
        self.edit_role(self.bot_role, permissions=permissions)

    def add_emoji(self, name: str, *, animated: bool = False) -> FakeEmoji:
        emoji = FakeEmoji(id=self._world.new_id(), name=name, animated=animated)
        self.emojis[emoji.id] = emoji
        self._world.dispatch(
            "GUILD_EMOJIS_UPDATE",
            {"guild_id": str(self.id), "emojis": [e.to_dict() for e in self.emojis.values()]},
            1 << 3,
        )
        return emoji

    # -- members -----------------------------------------------------------------------------

    def add_member(
        self,
        user: FakeUser,
        roles: Iterable[FakeRole | int] | None = None,
        joined_at: dt.datetime | None = None,
        *,
        nick: str | None = None,
    ) -> FakeMember:
        """Make ``user`` a member. Before the bot connects this just shapes GUILD_CREATE; afterwards
        it also dispatches GUILD_MEMBER_ADD (prefer ``await emu.member_join(...)`` then)."""
        if user.id in self.members:
            raise ValueError(f"{user!r} is already a member of {self!r}")
        role_ids = [ref_id(r) for r in roles or []]
        for role_id in role_ids:
            if role_id not in self.roles:
                raise ValueError(f"role {role_id} does not belong to {self!r}")
        member = FakeMember(user=user, guild_id=self.id, roles=role_ids, joined_at=joined_at or utcnow(), nick=nick)
        self.members[user.id] = member
        data = member.to_dict()
        data["guild_id"] = str(self.id)
        self._world.dispatch("GUILD_MEMBER_ADD", data, Intent.GUILD_MEMBERS)
        return member

    def remove_member(self, user: Ref) -> FakeMember:
        """Remove a member (dispatches GUILD_MEMBER_REMOVE)."""
        member = self.members.pop(ref_id(user))
        self._world.dispatch(
            "GUILD_MEMBER_REMOVE", {"guild_id": str(self.id), "user": member.user.to_dict()}, Intent.GUILD_MEMBERS
        )
        return member

    def set_member_roles(self, user: Ref, roles: Iterable[FakeRole | int]) -> None:
        """Replace a member's roles (dispatches GUILD_MEMBER_UPDATE)."""
        member = self.members[ref_id(user)]
        member.roles = [ref_id(r) for r in roles]
        self._world.dispatch_member_update(self, member)

    def get_member(self, user: Ref) -> FakeMember | None:
        return self.members.get(ref_id(user))

    @property
    def member_count(self) -> int:
        return len(self.members)

    # -- permissions -------------------------------------------------------------------------

    def base_permissions(self, user_id: int) -> int:
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.members.get(user_id)
        perms = self.everyone_role.permissions
        if member is not None:
            for role_id in member.roles:
                role = self.roles.get(role_id)
                if role is not None:
                    perms |= role.permissions
        if perms & Perm.ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def permissions_for(self, user_id: int, channel: FakeChannel | None = None) -> int:
        """Discord's permission algorithm (base permissions, then channel overwrites). A thread has
        its parent's permissions; a private thread is invisible to non-members without MANAGE_THREADS."""
        if channel is not None and channel.thread is not None:
            parent = self.channels.get(channel.parent_id or 0)
            if parent is None:
                return 0
            perms = self.permissions_for(user_id, parent)
            if (
                channel.type == ChannelType.PRIVATE_THREAD
                and user_id not in channel.thread.members
                and not perms & Perm.MANAGE_THREADS
            ):
                return 0
            return perms
        perms = self.base_permissions(user_id)
        if channel is None or perms & Perm.ADMINISTRATOR or perms == ALL_PERMISSIONS:
            return perms
        overwrites = {o.id: o for o in channel.overwrites}
        everyone = overwrites.get(self.id)
        if everyone is not None:
            perms = (perms & ~everyone.deny) | everyone.allow
        member = self.members.get(user_id)
        allow = deny = 0
        for role_id in member.roles if member is not None else []:
            ow = overwrites.get(role_id)
            if ow is not None and ow.type == 0:
                allow |= ow.allow
                deny |= ow.deny
        perms = (perms & ~deny) | allow
        own = overwrites.get(user_id)
        if own is not None and own.type == 1:
            perms = (perms & ~own.deny) | own.allow
        if not perms & Perm.VIEW_CHANNEL:
            return 0
        return perms

    def highest_role_position(self, user_id: int) -> int:
        member = self.members.get(user_id)
        if member is None:
            return -1
        return max((self.roles[r].position for r in member.roles if r in self.roles), default=0)


# --------------------------------------------------------------------------------------------
# emoji helpers
# --------------------------------------------------------------------------------------------

_CUSTOM_EMOJI_RE = re.compile(r"^<?(a?):?([A-Za-z0-9_~\-]+):(\d+)>?$")


def emoji_key(emoji: str | FakeEmoji | Any) -> str:
    """Normalise an emoji (unicode, "name:id", "<:name:id>", FakeEmoji, discord emoji) to a key."""
    if isinstance(emoji, FakeEmoji):
        return emoji.key
    if not isinstance(emoji, str):
        emoji_id = getattr(emoji, "id", None)
        name = getattr(emoji, "name", None)
        if emoji_id:
            return f"{name}:{emoji_id}"
        return str(name if name is not None else emoji)
    match = _CUSTOM_EMOJI_RE.match(emoji)
    if match and not emoji.isdigit():
        return f"{match.group(2)}:{match.group(3)}"
    return emoji


def is_custom_emoji_key(key: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9_~\-]+:\d+", key))


def looks_like_unicode_emoji(key: str) -> bool:
    """Heuristic stand-in for Discord's emoji table: reject empty and pure-ASCII names."""
    return bool(key) and not key.isascii() and len(key) <= 32


# --------------------------------------------------------------------------------------------
# the world
# --------------------------------------------------------------------------------------------

DispatchFn: TypeAlias = Callable[..., None]


def _no_dispatch(*_args: Any, **_kwargs: Any) -> None:
    return None


_MENTION_USER_RE = re.compile(r"<@!?(\d+)>")
_MENTION_ROLE_RE = re.compile(r"<@&(\d+)>")


class World:
    """All state of the emulated Discord, plus the operations that mutate it."""

    def __init__(self, *, token: str, bot_name: str) -> None:
        self.ids = SnowflakeGenerator()
        self.token = token
        self.application_id = self.new_id()
        self.bot_user = FakeUser(id=self.application_id, name=bot_name, bot=True)
        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, FakeMessage] = {}
        self.channel_message_ids: dict[int, list[int]] = {}
        self.dm_channel_ids: dict[int, int] = {}
        self.global_commands: dict[int, JSON] = {}
        self.guild_commands: dict[int, dict[int, JSON]] = {}
        self.command_sync_count = 0
        self.interactions: dict[int, FakeInteraction] = {}
        self.interactions_by_token: dict[str, FakeInteraction] = {}
        #: (author, channel, nonce) -> (when by :attr:`clock`, message id), for ``enforce_nonce``
        self.nonces: dict[tuple[int, int, str], tuple[dt.datetime, int]] = {}
        self.http_base = "http://127.0.0.1"
        #: Discord's clock for scheduled events (start-in-the-past check, automatic transitions);
        #: replace it with any zero-argument callable returning an aware datetime
        self.clock: Clock = utcnow
        #: set by the emulator: ``dispatch(event, data, intent, *, content_gated=False)``
        self.dispatch: DispatchFn = _no_dispatch

    def new_id(self) -> int:
        return self.ids.next()

    def now(self) -> dt.datetime:
        """The current instant by :attr:`clock`, in UTC."""
        value = self.clock()
        if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
            raise TypeError(f"fakediscord clock must return an aware datetime, got {value!r}")
        return value.astimezone(dt.UTC)

    # -- scheduled events ---------------------------------------------------------------------

    def advance_scheduled_events(self, guild: FakeGuild | None = None) -> list[JSON]:
        """Bring every scheduled event's status up to :meth:`now`, as Discord does on its own: an
        EXTERNAL event that is SCHEDULED turns ACTIVE at its ``scheduled_start_time`` and an ACTIVE
        one COMPLETED at its ``scheduled_end_time``. Each change is announced with
        GUILD_SCHEDULED_EVENT_UPDATE; an event that passed both instants gets two updates (start,
        then end). Returns the snapshots dispatched, in order."""
        now = self.now()
        changes: list[JSON] = []
        guilds = [guild] if guild is not None else list(self.guilds.values())
        for g in guilds:
            for event in g.scheduled_events.values():
                if event.get("entity_type") != EVENT_EXTERNAL:
                    continue
                for status, key in (
                    (EVENT_SCHEDULED, "scheduled_start_time"),
                    (EVENT_ACTIVE, "scheduled_end_time"),
                ):
                    at = event.get(key)
                    if event.get("status") == status and at is not None and parse_iso(str(at)) <= now:
                        event["status"] = status + 1
                        snapshot = copy.deepcopy(event)
                        changes.append(snapshot)
                        self.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", snapshot, Intent.GUILD_SCHEDULED_EVENTS)
        return changes

    # -- registry ----------------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        *,
        locale: str = "en-US",
        accepts_dms: bool = True,
        bot: bool = False,
        global_name: str | None = None,
    ) -> FakeUser:
        user = FakeUser(
            id=self.new_id(), name=name, locale=locale, accepts_dms=accepts_dms, bot=bot, global_name=global_name
        )
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        locale: str = "en-US",
        owner: FakeUser | None = None,
    ) -> FakeGuild:
        guild_id = self.new_id()
        owner_id = owner.id if owner is not None else self.new_id()
        guild = FakeGuild(
            self,
            guild_id=guild_id,
            name=name,
            owner_id=owner_id,
            preferred_locale=locale,
            bot_permissions=bot_permissions,
        )
        self.guilds[guild.id] = guild
        if owner is not None and owner.id not in guild.members:
            guild.members[owner.id] = FakeMember(user=owner, guild_id=guild.id, roles=[], joined_at=utcnow())

        def joined_payload(intents: int, threshold: int) -> JSON:
            data = self.guild_create_dict(
                guild, include_members=bool(intents & Intent.GUILD_MEMBERS), large_threshold=threshold
            )
            del data["unavailable"]  # a guild joined after READY: discord.py dispatches guild_join
            return data

        self.dispatch("GUILD_CREATE", joined_payload, Intent.GUILDS)
        return guild

    def user(self, ref: Ref) -> FakeUser:
        user_id = ref_id(ref)
        try:
            return self.users[user_id]
        except KeyError:
            raise KeyError(f"unknown user {user_id}") from None

    def guild(self, ref: Ref) -> FakeGuild:
        guild_id = ref_id(ref)
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise KeyError(f"unknown guild {guild_id}") from None

    def channel(self, ref: Ref) -> FakeChannel:
        channel_id = ref_id(ref)
        try:
            return self.channels[channel_id]
        except KeyError:
            raise KeyError(f"unknown channel {channel_id}") from None

    def message(self, ref: Ref) -> FakeMessage:
        message_id = ref_id(ref)
        try:
            return self.messages[message_id]
        except KeyError:
            raise KeyError(f"unknown message {message_id}") from None

    def guild_of(self, channel: FakeChannel) -> FakeGuild | None:
        return self.guilds.get(channel.guild_id) if channel.guild_id is not None else None

    def dm_channel_for(self, user: FakeUser, *, create: bool = True) -> FakeChannel | None:
        channel_id = self.dm_channel_ids.get(user.id)
        if channel_id is not None:
            return self.channels[channel_id]
        if not create:
            return None
        channel = FakeChannel(id=self.new_id(), type=ChannelType.DM, name="", recipient_id=user.id)
        self.channels[channel.id] = channel
        self.dm_channel_ids[user.id] = channel.id
        return channel

    def shares_guild_with_bot(self, user_id: int) -> bool:
        return any(user_id in g.members for g in self.guilds.values())

    def permissions(self, user_id: int, channel: FakeChannel) -> int:
        guild = self.guild_of(channel)
        if guild is None:
            return DM_PERMISSIONS
        return guild.permissions_for(user_id, channel)

    def channel_messages(self, channel_id: int) -> list[FakeMessage]:
        return [self.messages[m] for m in self.channel_message_ids.get(channel_id, [])]

    @staticmethod
    def send_permission(channel: FakeChannel) -> int:
        """The permission needed to post in ``channel``: SEND_MESSAGES_IN_THREADS in threads."""
        return Perm.SEND_MESSAGES_IN_THREADS if channel.thread is not None else Perm.SEND_MESSAGES

    def bot_can_view(self, channel: FakeChannel) -> bool:
        return bool(self.permissions(self.bot_user.id, channel) & Perm.VIEW_CHANNEL)

    # -- serialisation -----------------------------------------------------------------------

    def bot_user_dict(self) -> JSON:
        data = self.bot_user.to_dict()
        data.update({"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"})
        return data

    def thread_member_dict(self, thread: FakeChannel, user_id: int) -> JSON:
        assert thread.thread is not None
        return {
            "id": str(thread.id),
            "user_id": str(user_id),
            "join_timestamp": iso(thread.thread.members[user_id]),
            "flags": 0,
        }

    def thread_dict(self, thread: FakeChannel, *, with_member: bool = False) -> JSON:
        """A thread channel object; ``with_member`` adds the bot's thread member if it joined."""
        info = thread.thread
        assert info is not None
        metadata: JSON = {
            "archived": info.archived,
            "auto_archive_duration": info.auto_archive_duration,
            "archive_timestamp": iso(info.archive_timestamp),
            "locked": info.locked,
            "create_timestamp": iso(info.created_at),
        }
        if thread.type == ChannelType.PRIVATE_THREAD:
            metadata["invitable"] = info.invitable
        data: JSON = {
            "id": str(thread.id),
            "type": thread.type,
            "guild_id": str(thread.guild_id),
            "parent_id": str(thread.parent_id),
            "owner_id": str(info.owner_id),
            "name": thread.name,
            "last_message_id": str(thread.last_message_id) if thread.last_message_id else None,
            "rate_limit_per_user": thread.rate_limit_per_user,
            "message_count": info.message_count,
            "total_message_sent": info.total_message_sent,
            "member_count": info.member_count,
            "thread_metadata": metadata,
            "flags": 0,
        }
        if with_member and self.bot_user.id in info.members:
            data["member"] = self.thread_member_dict(thread, self.bot_user.id)
        return data

    def channel_dict(self, channel: FakeChannel, *, permissions_for: int | None = None) -> JSON:
        if channel.thread is not None:
            data = self.thread_dict(channel)
            if permissions_for is not None:
                data["permissions"] = str(self.permissions(permissions_for, channel))
            return data
        if channel.is_dm:
            recipient = self.users[channel.recipient_id] if channel.recipient_id is not None else None
            data: JSON = {
                "id": str(channel.id),
                "type": ChannelType.DM,
                "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
                "recipients": [recipient.to_dict()] if recipient is not None else [],
                "flags": 0,
            }
        else:
            data = {
                "id": str(channel.id),
                "type": channel.type,
                "guild_id": str(channel.guild_id),
                "name": channel.name,
                "position": channel.position,
                "permission_overwrites": [o.to_dict() for o in channel.overwrites],
                "parent_id": str(channel.parent_id) if channel.parent_id else None,
                "nsfw": channel.nsfw,
                "flags": 0,
            }
            if channel.type in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
                data.update(
                    {
                        "topic": channel.topic,
                        "rate_limit_per_user": channel.rate_limit_per_user,
                        "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
                        "default_auto_archive_duration": 1440,
                    }
                )
            elif channel.type in (ChannelType.GUILD_VOICE, ChannelType.GUILD_STAGE_VOICE):
                data.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None, "video_quality_mode": 1})
        if permissions_for is not None:
            data["permissions"] = str(self.permissions(permissions_for, channel))
        return data

    def guild_dict(self, guild: FakeGuild) -> JSON:
        """The REST guild object (no members/channels)."""
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.to_dict() for r in guild.roles.values()],
            "emojis": [e.to_dict() for e in guild.emojis.values()],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": guild.preferred_locale,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "max_members": 500000,
            "max_video_channel_users": 25,
        }

    def guild_create_dict(self, guild: FakeGuild, *, include_members: bool, large_threshold: int = 250) -> JSON:
        self.advance_scheduled_events(guild)
        data = self.guild_dict(guild)
        large = guild.member_count > large_threshold
        everyone = include_members and not large
        members = list(guild.members.values()) if everyone else [guild.members[self.bot_user.id]]
        data.update(
            {
                "joined_at": iso(guild.joined_at),
                "large": large,
                "unavailable": False,
                "member_count": guild.member_count,
                "voice_states": [],
                "members": [m.to_dict() for m in members],
                "channels": [self.channel_dict(c) for c in guild.channels.values()],
                "threads": [self.thread_dict(t, with_member=True) for t in self.active_threads(guild)],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [copy.deepcopy(e) for e in guild.scheduled_events.values()],
                "soundboard_sounds": [],
                "lazy": True,
                "application_command_counts": {},
                "embedded_activities": [],
                "incidents_data": None,
            }
        )
        return data

    def member_gateway_dict(self, guild: FakeGuild, member: FakeMember) -> JSON:
        data = member.to_dict()
        data["guild_id"] = str(guild.id)
        return data

    def dispatch_member_update(self, guild: FakeGuild, member: FakeMember) -> None:
        self.dispatch("GUILD_MEMBER_UPDATE", self.member_gateway_dict(guild, member), Intent.GUILD_MEMBERS)

    def emoji_dict(self, key: str, guild: FakeGuild | None = None) -> JSON:
        if is_custom_emoji_key(key):
            name, _, raw_id = key.partition(":")
            animated = False
            for g in [guild] if guild is not None else list(self.guilds.values()):
                found = g.emojis.get(int(raw_id)) if g is not None else None
                if found is not None:
                    animated = found.animated
                    break
            return {"id": raw_id, "name": name, "animated": animated}
        return {"id": None, "name": key}

    def attachment_dict(self, message: FakeMessage, attachment: StoredAttachment) -> JSON:
        url = f"{self.http_base}/attachments/{message.channel_id}/{attachment['id']}/{attachment['filename']}"
        data: JSON = {
            "id": str(attachment["id"]),
            "filename": attachment["filename"],
            "size": attachment["size"],
            "url": url,
            "proxy_url": url,
            "content_type": attachment["content_type"],
            "flags": 0,
        }
        if attachment["description"] is not None:
            data["description"] = attachment["description"]
        if message.ephemeral:
            data["ephemeral"] = True
        return data

    def message_dict(self, message: FakeMessage, *, gateway: bool = False, created: bool = False) -> JSON:
        """A message as Discord shows it; ``created``: the create response or MESSAGE_CREATE, the only places the
        ``nonce`` appears (Discord's docs: "Value will appear in the Message Create event"; a message read back with
        GET has none)."""
        author = self.users[message.author_id]
        guild = self.guilds.get(message.guild_id) if message.guild_id is not None else None
        data: JSON = {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "author": author.to_dict(),
            "content": message.content,
            "timestamp": iso(message.created_at),
            "edited_timestamp": iso(message.edited_at),
            "tts": message.tts,
            "mention_everyone": message.mention_everyone,
            "mentions": [self.users[u].to_dict() for u in message.mentions if u in self.users],
            "mention_roles": [str(r) for r in message.mention_roles],
            "attachments": [self.attachment_dict(message, a) for a in message.attachments],
            "embeds": message.embeds,
            "pinned": message.pinned,
            "type": message.type,
            "flags": message.flags,
            "components": message.components,
        }
        if message.reactions:
            bot_id = self.bot_user.id
            data["reactions"] = [
                {
                    "count": len(users),
                    "count_details": {"burst": 0, "normal": len(users)},
                    "me": bot_id in users,
                    "me_burst": False,
                    "burst_colors": [],
                    "emoji": self.emoji_dict(key, guild),
                }
                for key, users in message.reactions.items()
                if users
            ]
        if created and message.nonce is not None:
            data["nonce"] = message.nonce
        if message.webhook_id is not None:
            data["webhook_id"] = str(message.webhook_id)
        if message.application_id is not None:
            data["application_id"] = str(message.application_id)
        if message.interaction_metadata is not None:
            data["interaction_metadata"] = message.interaction_metadata
        if message.interaction_legacy is not None:
            data["interaction"] = message.interaction_legacy
        if message.message_reference is not None:
            data["message_reference"] = message.message_reference
        if message.poll is not None:
            data["poll"] = message.poll
        thread = self.channels.get(message.thread_id) if message.thread_id is not None else None
        if thread is not None and thread.thread is not None:
            data["thread"] = self.thread_dict(thread)
        if gateway and guild is not None:
            data["guild_id"] = str(guild.id)
            member = guild.members.get(message.author_id)
            if member is not None and message.webhook_id is None:
                data["member"] = member.to_dict(with_user=False)
        return data

    # -- message operations ------------------------------------------------------------------

    def parse_mentions(self, message: FakeMessage) -> None:
        content = message.content or ""
        message.mentions = [int(m) for m in dict.fromkeys(_MENTION_USER_RE.findall(content)) if int(m) in self.users]
        message.mention_roles = [int(r) for r in dict.fromkeys(_MENTION_ROLE_RE.findall(content))]
        message.mention_everyone = "@everyone" in content or "@here" in content

    def store_message(self, message: FakeMessage, *, dispatch: bool = True) -> FakeMessage:
        """Insert a new message and (unless ephemeral) announce it with MESSAGE_CREATE."""
        self.parse_mentions(message)
        self.messages[message.id] = message
        if message.ephemeral:
            return message
        self.channel_message_ids.setdefault(message.channel_id, []).append(message.id)
        channel = self.channels.get(message.channel_id)
        if channel is not None:
            channel.last_message_id = message.id
            if channel.thread is not None:
                channel.thread.message_count += 1
                channel.thread.total_message_sent += 1
        if dispatch:
            self.dispatch(
                "MESSAGE_CREATE",
                self.message_dict(message, gateway=True, created=True),
                self.message_intent(message),
                content_gated=self.is_content_gated(message),
            )
        return message

    def message_intent(self, message: FakeMessage) -> int:
        return Intent.GUILD_MESSAGES if message.guild_id is not None else Intent.DIRECT_MESSAGES

    def reaction_intent(self, message: FakeMessage) -> int:
        return Intent.GUILD_MESSAGE_REACTIONS if message.guild_id is not None else Intent.DIRECT_MESSAGE_REACTIONS

    def is_content_gated(self, message: FakeMessage) -> bool:
        """Whether MESSAGE_CONTENT is needed to see this message's content (Discord's rules)."""
        if message.guild_id is None or message.author_id == self.bot_user.id:
            return False
        return self.bot_user.id not in message.mentions

    def announce_update(self, message: FakeMessage) -> None:
        if message.ephemeral or message.deleted:
            return
        self.dispatch(
            "MESSAGE_UPDATE",
            self.message_dict(message, gateway=True),
            self.message_intent(message),
            content_gated=self.is_content_gated(message),
        )

    def mark_deleted(self, message: FakeMessage) -> None:
        if message.deleted:
            return
        message.deleted = True
        if message.ephemeral:
            return
        channel = self.channels.get(message.channel_id)
        if channel is not None and channel.thread is not None:
            channel.thread.message_count = max(0, channel.thread.message_count - 1)
        data: JSON = {"id": str(message.id), "channel_id": str(message.channel_id)}
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        self.dispatch("MESSAGE_DELETE", data, self.message_intent(message))

    def add_reaction(self, message: FakeMessage, user_id: int, key: str) -> bool:
        """Record a reaction; returns False (and dispatches nothing) if it already existed."""
        users = message.reactions.setdefault(key, [])
        if user_id in users:
            return False
        users.append(user_id)
        guild = self.guilds.get(message.guild_id) if message.guild_id is not None else None
        data: JSON = {
            "user_id": str(user_id),
            "channel_id": str(message.channel_id),
            "message_id": str(message.id),
            "emoji": self.emoji_dict(key, guild),
            "message_author_id": str(message.author_id),
            "burst": False,
            "burst_colors": [],
            "type": 0,
        }
        if guild is not None:
            data["guild_id"] = str(guild.id)
            member = guild.members.get(user_id)
            if member is not None:
                data["member"] = member.to_dict()
        self.dispatch("MESSAGE_REACTION_ADD", data, self.reaction_intent(message))
        return True

    def remove_reaction(self, message: FakeMessage, user_id: int, key: str) -> bool:
        users = message.reactions.get(key)
        if not users or user_id not in users:
            return False
        users.remove(user_id)
        if not users:
            del message.reactions[key]
        data: JSON = {
            "user_id": str(user_id),
            "channel_id": str(message.channel_id),
            "message_id": str(message.id),
            "emoji": self.emoji_dict(key),
            "burst": False,
            "type": 0,
        }
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        self.dispatch("MESSAGE_REACTION_REMOVE", data, self.reaction_intent(message))
        return True

    def clear_reactions(self, message: FakeMessage, key: str | None = None) -> None:
        data: JSON = {"channel_id": str(message.channel_id), "message_id": str(message.id)}
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        if key is None:
            message.reactions.clear()
            self.dispatch("MESSAGE_REACTION_REMOVE_ALL", data, self.reaction_intent(message))
        elif message.reactions.pop(key, None) is not None:
            data["emoji"] = self.emoji_dict(key)
            self.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", data, self.reaction_intent(message))

    # -- threads -----------------------------------------------------------------------------

    def active_threads(self, guild: FakeGuild) -> list[FakeChannel]:
        """Unarchived threads of ``guild`` the bot can see, oldest first."""
        return [t for t in guild.threads if not t.archived and self.bot_can_view(t)]

    def create_thread(
        self,
        parent: FakeChannel,
        *,
        name: str,
        owner_id: int,
        thread_type: int,
        starter: FakeMessage | None = None,
        auto_archive_duration: int = 1440,
        rate_limit_per_user: int = 0,
        invitable: bool = True,
    ) -> FakeChannel:
        """Create a thread in ``parent`` (no permission checks) and announce it like Discord: THREAD_CREATE
        (``newly_created``), then MESSAGE_UPDATE of the starter message (which gains ``thread``), or a
        THREAD_CREATED (type 18) message in the parent for a public thread without a starter."""
        guild = self.guild_of(parent)
        if guild is None or parent.type not in ChannelType.THREAD_PARENTS:
            raise ValueError(f"threads can only be started in text or announcement channels, not {parent!r}")
        if starter is not None and starter.thread_id is not None:
            raise ValueError(f"{starter!r} already has a thread")
        now = utcnow()
        info = ThreadInfo(
            owner_id=owner_id,
            auto_archive_duration=auto_archive_duration,
            invitable=invitable,
            archive_timestamp=now,
            created_at=now,
            starter_message_id=starter.id if starter is not None else None,
            members={owner_id: now},
        )
        thread = FakeChannel(
            id=starter.id if starter is not None else self.new_id(),
            type=thread_type,
            name=name,
            guild_id=guild.id,
            parent_id=parent.id,
            rate_limit_per_user=rate_limit_per_user,
            thread=info,
        )
        self.channels[thread.id] = thread
        guild.threads_by_id[thread.id] = thread
        if starter is not None:
            starter.thread_id = thread.id
            starter.flags |= MessageFlag.HAS_THREAD
        if self.bot_can_view(thread):
            data = self.thread_dict(thread, with_member=True)
            data["newly_created"] = True
            self.dispatch("THREAD_CREATE", data, Intent.GUILDS)
        if starter is not None:
            self.announce_update(starter)
        elif thread_type != ChannelType.PRIVATE_THREAD:
            notice = FakeMessage(
                id=self.new_id(),
                channel_id=parent.id,
                guild_id=guild.id,
                author_id=owner_id,
                content=name,
                type=18,
                message_reference={"type": 0, "channel_id": str(thread.id), "guild_id": str(guild.id)},
            )
            self.store_message(notice)
        return thread

    def update_thread(
        self,
        thread: FakeChannel,
        *,
        name: str | None = None,
        archived: bool | None = None,
        locked: bool | None = None,
        auto_archive_duration: int | None = None,
        rate_limit_per_user: int | None = None,
        invitable: bool | None = None,
    ) -> None:
        """Change a thread (no permission checks) and dispatch THREAD_UPDATE."""
        info = thread.thread
        if info is None:
            raise ValueError(f"{thread!r} is not a thread")
        if name is not None:
            thread.name = name
        if archived is not None and archived != info.archived:
            info.archived = archived
            info.archive_timestamp = utcnow()
        if locked is not None:
            info.locked = locked
        if auto_archive_duration is not None:
            info.auto_archive_duration = auto_archive_duration
        if rate_limit_per_user is not None:
            thread.rate_limit_per_user = rate_limit_per_user
        if invitable is not None:
            info.invitable = invitable
        if self.bot_can_view(thread):
            self.dispatch("THREAD_UPDATE", self.thread_dict(thread), Intent.GUILDS)

    def _thread_members_update(self, thread: FakeChannel, user_id: int, *, added: bool, visible: bool) -> None:
        assert thread.thread is not None
        data: JSON = {
            "id": str(thread.id),
            "guild_id": str(thread.guild_id),
            "member_count": thread.thread.member_count,
        }
        if added:
            data["added_members"] = [self.thread_member_dict(thread, user_id)]
        else:
            data["removed_member_ids"] = [str(user_id)]
        # without GUILD_MEMBERS a bot only hears about itself joining or leaving
        intent = Intent.GUILDS if user_id == self.bot_user.id else Intent.GUILD_MEMBERS
        if visible:
            self.dispatch("THREAD_MEMBERS_UPDATE", data, intent)

    def add_thread_member(self, thread: FakeChannel, user_id: int) -> bool:
        """Join ``user_id`` to the thread (THREAD_MEMBERS_UPDATE); False if already a member."""
        info = thread.thread
        if info is None:
            raise ValueError(f"{thread!r} is not a thread")
        if user_id in info.members:
            return False
        info.members[user_id] = utcnow()
        self._thread_members_update(thread, user_id, added=True, visible=self.bot_can_view(thread))
        return True

    def remove_thread_member(self, thread: FakeChannel, user_id: int) -> bool:
        info = thread.thread
        if info is None:
            raise ValueError(f"{thread!r} is not a thread")
        visible = self.bot_can_view(thread)  # before leaving: a private thread may vanish for the bot
        if info.members.pop(user_id, None) is None:
            return False
        self._thread_members_update(thread, user_id, added=False, visible=visible)
        return True

    # -- attachments -------------------------------------------------------------------------

    def make_attachment(
        self, filename: str, content: bytes, *, content_type: str | None = None, description: str | None = None
    ) -> StoredAttachment:
        guessed = content_type
        if guessed is None or guessed == "application/octet-stream":
            guessed = mimetypes.guess_type(filename)[0] or guessed
        return StoredAttachment(
            id=self.new_id(),
            filename=filename,
            content=content,
            content_type=guessed,
            size=len(content),
            description=description,
        )

    # -- interactions ------------------------------------------------------------------------

    def new_interaction_token(self) -> str:
        return "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)

    def register_interaction(self, interaction: FakeInteraction) -> None:
        self.interactions[interaction.id] = interaction
        self.interactions_by_token[interaction.token] = interaction
