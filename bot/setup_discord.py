"""What ``python -m bot setup`` asks Discord, over REST only (discord.py's HTTP client, no gateway): the bot's servers,
the invite link while it has none, and what the bot sees on the chosen one. What Discord or the network answers that a
person must act on becomes one paragraph (a ConfigError naming the token, or a :class:`bot.setup.SetupError`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
from discord.http import HTTPClient

from bot.config import TOKEN_ENV, ConfigError
from bot.setup import INVITE_PERMISSIONS, BotMember, ChannelChoice, Choice, Overwrite, RoleChoice, SetupError

INVITE_SCOPES = ("bot", "applications.commands")
POLL_SECONDS = 5.0  # how often the wizard looks whether the bot has been added to a server
_GUILDS_PER_PAGE = 200  # Discord's most per GET /users/@me/guilds; a network's bot is in a handful
_TEXT_CHANNEL_TYPES = (0, 5)  # text and announcement channels: where the bot can post
_MEMBER_OVERWRITE = 1  # an overwrite's type: 0 = role, 1 = member


@contextlib.asynccontextmanager
async def logged_in(token: str) -> AsyncIterator[tuple[HTTPClient, int]]:
    """discord.py's HTTP client logged in with ``token`` and the bot's user id, closed on exit."""
    http = HTTPClient(asyncio.get_running_loop())
    try:
        me = await http.static_login(token)
        yield http, int(me["id"])
    except discord.LoginFailure:
        raise ConfigError(
            TOKEN_ENV,
            "Discord rejected the token.",
            "Copy a fresh token from the Developer Portal (your application → Bot → Reset Token).",
        ) from None
    except discord.HTTPException as error:
        raise SetupError(
            f"Discord refused a request ({error.status}: {error.text or 'no reason given'}). Try again in a minute; "
            f"if it persists, see https://discordstatus.com."
        ) from None
    except (aiohttp.ClientError, OSError) as error:
        raise SetupError(
            f"Could not reach Discord ({error.__class__.__name__}: {error}). Check this machine's network connection "
            f"and DNS, then run setup again."
        ) from None
    finally:
        await http.close()


def invite_url(application_id: int) -> str:
    """The link that adds the bot to a server with exactly the permissions it needs."""
    permissions = discord.Permissions(INVITE_PERMISSIONS)
    return discord.utils.oauth_url(application_id, permissions=permissions, scopes=INVITE_SCOPES)


async def servers(http: HTTPClient) -> list[Choice]:
    guilds = await http.get_guilds(_GUILDS_PER_PAGE, with_counts=False)
    return [Choice(int(guild["id"]), guild["name"]) for guild in guilds]


async def wait_until_invited(
    http: HTTPClient, say: Callable[[str], None], sleep: Callable[[float], Awaitable[None]], wait_seconds: float
) -> list[Choice]:
    """Print the invite link, then look every few seconds until the bot is in a server (or give up)."""
    application = await http.application_info()
    say(
        f"The bot is not in any server yet. Open this link, choose your server and press Authorise:\n"
        f"  {invite_url(int(application['id']))}\n"
        f"Waiting for the bot to join (checking every {POLL_SECONDS:.0f} s; Ctrl+C stops)…"
    )
    waited = 0.0
    while waited < wait_seconds:
        await sleep(POLL_SECONDS)
        waited += POLL_SECONDS
        found = await servers(http)
        if found:
            return found
    raise SetupError(
        f"The bot was not added to a server within {wait_seconds:.0f} seconds. Open the link above, add the bot to "
        f"your server, and run setup again."
    )


@dataclass(frozen=True, slots=True)
class ServerView:
    """What the bot sees on a server."""

    server: Choice
    channels: list[ChannelChoice]  # text channels, in Discord's order
    roles: list[RoleChoice]  # roles a person can be given, highest first
    bot: BotMember


async def look_at(http: HTTPClient, server: Choice, bot_id: int) -> ServerView:
    guild = await http.get_guild(server.id, with_counts=False)
    raw_channels: list[Mapping[str, Any]] = list(await http.get_all_guild_channels(server.id))
    raw_roles: list[Mapping[str, Any]] = list(await http.get_roles(server.id))
    member = await http.get_member(server.id, bot_id)
    raw_channels.sort(key=lambda raw: (int(raw.get("position", 0)), int(raw["id"])))
    raw_roles.sort(key=lambda raw: (-int(raw["position"]), int(raw["id"])))
    return ServerView(
        server=server,
        channels=[
            ChannelChoice(int(raw["id"]), str(raw["name"]), _overwrites(raw))
            for raw in raw_channels
            if raw["type"] in _TEXT_CHANNEL_TYPES
        ],
        roles=[
            RoleChoice(int(raw["id"]), str(raw["name"]))
            for raw in raw_roles
            if int(raw["id"]) != server.id and not raw.get("managed", False)  # not @everyone, not a bot's own role
        ],
        bot=BotMember(
            guild_id=server.id,
            user_id=bot_id,
            role_ids=frozenset(int(role_id) for role_id in member["roles"]),
            role_permissions={int(raw["id"]): int(raw["permissions"]) for raw in raw_roles},
            is_owner=int(guild["owner_id"]) == bot_id,
        ),
    )


def _overwrites(channel: Mapping[str, Any]) -> tuple[Overwrite, ...]:
    return tuple(
        Overwrite(int(raw["id"]), int(raw["type"]) == _MEMBER_OVERWRITE, int(raw["allow"]), int(raw["deny"]))
        for raw in channel.get("permission_overwrites", [])
    )
