"""Shared glue for buttons and modals: the same polite error path the command tree has."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import discord

from bot.errors import UserFacingError

if TYPE_CHECKING:
    from bot.client import MikroVirkBot

log = logging.getLogger(__name__)

P = ParamSpec("P")
S = TypeVar("S")


class IdButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"mv:id-button:(?P<unused>\d+)"):
    """A persistent button whose custom id carries what it acts on (``mv:ics:42``).

    Subclasses give their own template; its named groups are the constructor's arguments (digits become ints), so
    a click after a restart rebuilds the button from the id alone. This base itself is never registered.
    """

    def __init__(
        self,
        custom_id: str,
        label: str,
        *,
        emoji: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        super().__init__(discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=custom_id))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> IdButton:
        arguments = {name: int(value) if value.isdigit() else value for name, value in match.groupdict().items()}
        factory: Any = cls
        button: IdButton = factory(**arguments)
        return button


class MemberForm(discord.ui.Modal):
    """A form one member opened. discord.py finds an open modal by its custom_id alone, one per id and not per member,
    so a form keeps discord.py's random id (one per opening) and takes a submit only from the member who opened it."""

    def __init__(self, opened_by: int, *, title: str, timeout: float) -> None:
        super().__init__(title=title[:45], timeout=timeout)  # Discord's limit for a modal title
        self.opened_by = opened_by

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id == self.opened_by:
            return True
        log.warning("form submitted by another member", extra={"user_id": interaction.user.id})
        return False


def answers_errors(
    callback: Callable[Concatenate[S, discord.Interaction[Any], P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[S, discord.Interaction[Any], P], Coroutine[Any, Any, None]]:
    """Component and modal callbacks answer a :class:`UserFacingError` (or a crash) privately, in the member's
    language, like slash commands do; views otherwise only log."""

    @functools.wraps(callback)
    async def wrapper(self: S, interaction: discord.Interaction[Any], /, *args: P.args, **kwargs: P.kwargs) -> None:
        bot: MikroVirkBot = interaction.client
        try:
            await callback(self, interaction, *args, **kwargs)
        except UserFacingError as error:
            await bot.reply_ephemeral(interaction, bot.text_for(interaction, error.key, **error.params))
        except Exception:
            log.exception(
                "component callback failed", extra={"custom_id": interaction.data and interaction.data.get("custom_id")}
            )
            await bot.reply_ephemeral(interaction, bot.text_for(interaction, "errors.unexpected"))

    return wrapper


def clean_text(value: str | None, limit: int, field: str) -> str | None:
    """Trimmed member text, or a polite refusal when it is blank or too long (Discord checks, but so do we)."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        raise UserFacingError("errors.blank_text", field=field)
    if len(text) > limit:
        raise UserFacingError("errors.too_long", field=field, limit=limit, length=len(text))
    return text


class Confirmation(discord.ui.View):
    """Confirm or Cancel under an ephemeral preview (a season to create, data to erase): only the person who asked
    can press, and only once. Cancel replaces the preview with the ``cancelled_key`` text."""

    def __init__(
        self,
        asked_by: int,
        labels: tuple[str, str],
        on_confirm: Callable[[discord.Interaction[Any]], Awaitable[None]],
        *,
        cancelled_key: str,
        confirm_style: discord.ButtonStyle = discord.ButtonStyle.success,
        confirm_emoji: str = "✅",
    ) -> None:
        super().__init__(timeout=600)
        self.asked_by = asked_by
        self._on_confirm = on_confirm
        self._cancelled_key = cancelled_key
        self.confirm.label, self.cancel.label = labels
        self.confirm.style, self.confirm.emoji = confirm_style, confirm_emoji

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return interaction.user.id == self.asked_by

    @discord.ui.button()
    @answers_errors
    async def confirm(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.stop()
        await self._on_confirm(interaction)

    @discord.ui.button(style=discord.ButtonStyle.secondary, emoji="✖️")
    @answers_errors
    async def cancel(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.stop()
        bot: MikroVirkBot = interaction.client
        await interaction.response.edit_message(content=bot.text_for(interaction, self._cancelled_key), view=None)
