"""Slash-command checks. The rule itself lives in :mod:`bot.permissions`; this is the Discord glue."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

from bot.errors import GuildOnlyError, NotOrganiserError
from bot.limits import MemberCooldown
from bot.permissions import is_organiser

if TYPE_CHECKING:
    from bot.client import MikroVirkBot

T = TypeVar("T")


def member_is_organiser(bot: MikroVirkBot, member: discord.Member) -> bool:
    return is_organiser(
        (role.id for role in member.roles),
        member.guild_permissions.manage_guild,
        bot.config.discord.organiser_role_id,
    )


async def _require_organiser(interaction: discord.Interaction[Any]) -> bool:
    bot: MikroVirkBot = interaction.client
    member = interaction.user
    if interaction.guild_id != bot.config.discord.guild_id or not isinstance(member, discord.Member):
        raise GuildOnlyError()
    if not member_is_organiser(bot, member):
        raise NotOrganiserError()
    return True


def organiser_only() -> Callable[[T], T]:
    """Organiser commands stay visible to everyone (no default_member_permissions); this check runs on use."""
    return app_commands.check(_require_organiser)


@contextmanager
def member_turn(limit: MemberCooldown, user_id: int, now: datetime) -> Iterator[None]:
    """Run one attempt on the member's turn, or refuse it with Discord's cooldown error (answered "try again in N
    seconds" in the member's language).

    Not ``app_commands.checks.cooldown``: that one is spent before the command runs, so a refused attempt (a blank
    topic, a meeting of the other format) would make the member wait before trying the right thing. Here a refused
    or failed attempt gives the turn back, and only an attempt that went through counts.
    """
    wait = limit.reserve(user_id, now)
    if wait is not None:
        cooldown = app_commands.Cooldown(1, limit.every.total_seconds())
        raise app_commands.CommandOnCooldown(cooldown, wait.total_seconds())
    try:
        yield
    except BaseException:
        limit.give_back(user_id, now)
        raise
