"""fakediscord: a loopback Discord API + gateway emulator for end-to-end tests of discord.py bots.

See README.md in this directory.
"""

from .actors import InteractionResult, Settled, iter_components
from .client import ErrorLogCollector, run_client
from .gateway import DispatchRecord, GatewaySession
from .ratelimit import BucketLimit, RateLimitConfig
from .rest import RecordedRequest
from .server import FakeDiscord
from .state import (
    ALL_PERMISSIONS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    ChannelType,
    FakeChannel,
    FakeEmoji,
    FakeGuild,
    FakeInteraction,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
    Intent,
    MessageFlag,
    Perm,
    PermissionOverwrite,
    StoredAttachment,
    ThreadInfo,
)
from .validation import ApiError

__all__ = [
    "ALL_PERMISSIONS",
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "ApiError",
    "BucketLimit",
    "ChannelType",
    "DispatchRecord",
    "ErrorLogCollector",
    "FakeChannel",
    "FakeDiscord",
    "FakeEmoji",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeMessage",
    "FakeRole",
    "FakeUser",
    "GatewaySession",
    "Intent",
    "InteractionResult",
    "MessageFlag",
    "Perm",
    "PermissionOverwrite",
    "RateLimitConfig",
    "RecordedRequest",
    "Settled",
    "StoredAttachment",
    "ThreadInfo",
    "iter_components",
    "run_client",
]
