"""The translation layer: every text a person reads comes from a Danish and an English catalogue.

Catalogues are TOML files in ``bot/locales/`` (one per language, nested tables flattened to dotted keys such as
``meeting.next.none``). Placeholders are named (``{name}``) so translators can reorder them. Command metadata uses
:func:`command_text`, whose base text is the English catalogue entry; :class:`CatalogueTranslator` supplies the
Danish one to Discord at sync time (:mod:`bot.translator`, the Discord side) so Danish clients see Danish
descriptions.
"""

from __future__ import annotations

import logging
import string
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from bot.config import LANGUAGES, Language

log = logging.getLogger(__name__)

FALLBACK_LANGUAGE: Language = "en"


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{dotted}."))
        elif isinstance(value, str):
            flat[dotted] = value
        else:
            raise TypeError(f"catalogue entry {dotted!r} must be text, not {type(value).__name__}")
    return flat


def placeholders(text: str) -> frozenset[str]:
    """The named placeholders a catalogue text uses, e.g. ``{"name"}`` for ``"Hi {name}"``."""
    return frozenset(field for _, field, _, _ in string.Formatter().parse(text) if field)


class Catalogue:
    """Texts per language, looked up by dotted key."""

    def __init__(self, texts: Mapping[Language, Mapping[str, str]]) -> None:
        self._texts = texts

    @classmethod
    def from_package(cls) -> Catalogue:
        texts: dict[Language, dict[str, str]] = {}
        for language in LANGUAGES:
            source = resources.files("bot").joinpath("locales", f"{language}.toml").read_text(encoding="utf-8")
            texts[language] = _flatten(tomllib.loads(source))
        return cls(texts)

    def keys(self, language: Language) -> frozenset[str]:
        return frozenset(self._texts[language])

    def raw(self, language: Language, key: str) -> str | None:
        return self._texts[language].get(key)

    def text(self, language: Language, key: str, /, **params: object) -> str:
        """The text for ``key`` in ``language`` with ``params`` filled in.

        A missing key falls back to English and then to the key itself, logged, so a member never gets an
        error because of a translation gap (the catalogue test keeps that from shipping).
        """
        template = self._texts[language].get(key)
        if template is None:
            log.warning("missing translation", extra={"language": language, "key": key})
            template = self._texts[FALLBACK_LANGUAGE].get(key, key)
        return template.format(**params) if params else template

    def plural(self, language: Language, key: str, /, count: int, **params: object) -> str:
        """``key.one`` for exactly one (Danish and English agree on this rule), ``key.other`` otherwise."""
        return self.text(language, f"{key}.{'one' if count == 1 else 'other'}", count=count, **params)


@cache
def default_catalogue() -> Catalogue:
    """The catalogue shipped with the bot, loaded once."""
    return Catalogue.from_package()


def msgkey(key: str) -> str:
    """Marks a catalogue key used indirectly (e.g. in a mapping), so the catalogue test can find it."""
    return key
