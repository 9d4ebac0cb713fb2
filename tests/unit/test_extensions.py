"""Every extension loads, command names do not clash, and every description and choice reaches Danish clients."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.client import MikroVirkBot, discover_extensions
from bot.config import parse_config
from bot.i18n import default_catalogue
from bot.translator import CatalogueTranslator

CONFIG = {"discord": {"guild_id": 1, "announcements_channel_id": 2, "organisers_channel_id": 3, "organiser_role_id": 4}}


def described(payload: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every command, subcommand, option and choice in a command payload, with its path."""
    here = f"{path} {payload['name']}".strip()
    yield here, payload
    for option in payload.get("options") or []:
        yield from described(option, here)
    for choice in payload.get("choices") or []:
        yield f"{here}={choice['value']}", {**choice, "description_localizations": choice.get("name_localizations")}


async def test_extensions_load_with_unique_translated_commands(tmp_path: Path) -> None:
    bot = MikroVirkBot(parse_config(CONFIG, tmp_path / "config.toml"))
    extensions = discover_extensions()
    assert "cogs.meetings" in extensions
    assert not any(name.split(".")[-1].startswith("_") for name in extensions)
    for extension in extensions:
        await bot.load_extension(extension)
    top_level = [command.name for command in bot.tree.get_commands()]
    assert len(top_level) == len(set(top_level)), top_level
    translator = CatalogueTranslator(default_catalogue())
    for command in bot.tree.get_commands():
        payload = await command.get_translated_payload(bot.tree, translator)
        assert payload.get("default_member_permissions") is None, f"/{command.name} must stay visible to organisers"
        for path, item in described(payload):
            danish = (item.get("description_localizations") or {}).get("da")
            assert danish, f"/{path} has no Danish text"
    await bot.close()


def test_heavy_libraries_are_not_loaded_at_start() -> None:
    """matplotlib (~37 MB), icalendar (~4 MB), tomlkit and the stemmers load with the first chart, calendar file,
    setup or profile match someone asks for; Babel is not used at all (its locale data cost ~6 MB for a few names)."""
    code = (
        "import sys, importlib\n"
        "import bot.__main__\n"
        "from bot.client import discover_extensions\n"
        "for name in discover_extensions(): importlib.import_module(name)\n"
        "print(sorted({'matplotlib', 'icalendar', 'babel', 'tomlkit', 'snowballstemmer'} & sys.modules.keys()))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
