"""The Discord side of the translation layer: a client's locale → our language, command metadata, the Translator."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.config import Language
from bot.i18n import Catalogue, default_catalogue


def language_for_locale(locale: discord.Locale | str | None, fallback: Language) -> Language:
    """Danish for ``da``, English for every ``en-*`` locale, else the network's language."""
    value = locale.value if isinstance(locale, discord.Locale) else (locale or "")
    if value == "da":
        return "da"
    if value.startswith("en"):
        return "en"
    return fallback


def command_text(key: str) -> app_commands.locale_str:
    """Command metadata (descriptions, choice names) whose base text is English and Danish comes at sync."""
    return app_commands.locale_str(default_catalogue().text("en", key), key=key)


class CatalogueTranslator(app_commands.Translator):
    """Gives Discord the Danish catalogue text of every :func:`command_text` string."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        if key is None or locale is not discord.Locale.danish:
            return None
        return self._catalogue.raw("da", key)
