"""The catalogues are complete: every key the code uses exists in Danish and English with the same placeholders."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.i18n import Catalogue, default_catalogue, placeholders
from bot.translator import CatalogueTranslator, command_text, language_for_locale

ROOT = Path(__file__).resolve().parents[2]
# Functions whose string arguments are catalogue keys.
KEY_FUNCTIONS = {"t", "text", "_text", "text_for", "public_text", "command_text", "msgkey", "UserFacingError"}
# Functions whose key names a pair of plural forms, ``key.one`` and ``key.other``.
PLURAL_FUNCTIONS = {"plural", "plural_for"}
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


def keys_used_in_code() -> dict[str, str]:
    used: dict[str, str] = {}
    for package in ("bot", "cogs", "db"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                if name not in KEY_FUNCTIONS | PLURAL_FUNCTIONS:
                    continue
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and KEY_PATTERN.match(arg.value):
                        where = f"{path.relative_to(ROOT)}:{node.lineno}"
                        forms = (".one", ".other") if name in PLURAL_FUNCTIONS else ("",)
                        used.update({f"{arg.value}{form}": where for form in forms})
    return used


def test_scanner_finds_keys() -> None:
    used = keys_used_in_code()
    assert {"meeting.next.none", "errors.not_organiser", "cmd.meeting.next.description"} <= set(used)
    assert {"announcement.guests.one", "announcement.guests.other"} <= set(used)


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_key_used_in_code_is_in_the_catalogue(language: str) -> None:
    catalogue = default_catalogue()
    missing = {key: where for key, where in keys_used_in_code().items() if key not in catalogue.keys(language)}  # type: ignore[arg-type]
    assert not missing, f"missing in {language}.toml: {missing}"


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    catalogue = default_catalogue()
    assert catalogue.keys("da") == catalogue.keys("en")
    for key in catalogue.keys("en"):
        english, danish = catalogue.raw("en", key), catalogue.raw("da", key)
        assert english and danish
        assert placeholders(english) == placeholders(danish), key


def test_missing_key_falls_back_without_failing() -> None:
    catalogue = Catalogue({"da": {}, "en": {"a.b": "Hello {name}"}})
    assert catalogue.text("da", "a.b", name="Mette") == "Hello Mette"
    assert catalogue.text("da", "x.y") == "x.y"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (discord.Locale.danish, "da"),
        (discord.Locale.american_english, "en"),
        (discord.Locale.british_english, "en"),
        ("en-US", "en"),
        (discord.Locale.german, "da"),
        (None, "da"),
    ],
)
def test_language_follows_the_client(locale: discord.Locale | str | None, expected: str) -> None:
    assert language_for_locale(locale, "da") == expected


def test_language_falls_back_to_the_network_language() -> None:
    assert language_for_locale(discord.Locale.swedish, "en") == "en"


async def test_translator_gives_danish_descriptions_only_to_danish_clients() -> None:
    translator = CatalogueTranslator(default_catalogue())
    string = command_text("cmd.meeting.next.description")
    context = app_commands.TranslationContext(app_commands.TranslationContextLocation.other, None)
    assert string.message == "Show the next meeting"
    assert await translator.translate(string, discord.Locale.danish, context) == "Vis det næste møde"
    assert await translator.translate(string, discord.Locale.american_english, context) is None
