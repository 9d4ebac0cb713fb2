from __future__ import annotations

import tomllib
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, load_config, load_token, parse_config
from bot.durations import format_offset, parse_offset

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def valid() -> dict[str, Any]:
    return {
        "discord": {
            "guild_id": 1,
            "announcements_channel_id": 2,
            "organisers_channel_id": 3,
            "organiser_role_id": 4,
        },
        "network": {"name": "MikroVirk", "timezone": "Europe/Copenhagen", "language": "da"},
        "database": {"path": "data/bot.sqlite3"},
        "reminders": {"offsets": ["7d", "1d"]},
    }


def test_valid_config_is_typed_and_resolved(tmp_path: Path) -> None:
    config = parse_config(valid(), tmp_path / "config.toml")
    assert config.discord.announcements_channel_id == 2
    assert config.network.timezone.key == "Europe/Copenhagen"
    assert config.network.default_start == time(17, 30)
    assert config.network.default_venue == "Møn Bibliotek"
    assert config.database.path == tmp_path / "data" / "bot.sqlite3"
    assert config.reminders.offsets == (timedelta(days=7), timedelta(days=1))


def test_optional_sections_have_defaults(tmp_path: Path) -> None:
    config = parse_config({"discord": valid()["discord"]}, tmp_path / "config.toml")
    assert config.network.language == "da"
    assert config.reminders.offsets == (timedelta(days=7), timedelta(days=1))
    assert config.database.path == tmp_path / "data" / "mikrovirk.sqlite3"


def test_example_config_documents_every_key_and_only_lacks_ids() -> None:
    with EXAMPLE.open("rb") as handle:
        data = tomllib.load(handle)
    with pytest.raises(ConfigError) as error:
        parse_config(data, EXAMPLE)
    assert error.value.key == "discord.guild_id"
    for section, keys in data.items():
        for key in keys:
            line = next(line for line in EXAMPLE.read_text().splitlines() if line.startswith(f"{key} "))
            assert "#" in line, f"{section}.{key} has no comment in config.example.toml"
    data["discord"] = valid()["discord"]
    parse_config(data, EXAMPLE)


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = valid()
    table = data
    for part in path[:-1]:
        table = table[part]
    if value is _DELETE:
        del table[path[-1]]
    else:
        table[path[-1]] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        (("discord",), _DELETE, "discord"),
        (("discord", "guild_id"), _DELETE, "discord.guild_id"),
        (("discord", "guild_id"), 0, "discord.guild_id"),
        (("discord", "announcements_channel_id"), "123", "discord.announcements_channel_id"),
        (("discord", "organisers_channel_id"), -5, "discord.organisers_channel_id"),
        (("discord", "organiser_role_id"), True, "discord.organiser_role_id"),
        (("discord", "annoucements_channel_id"), 5, "discord.annoucements_channel_id"),
        (("network", "timezone"), "Europe/Kobenhavn", "network.timezone"),
        (("network", "language"), "de", "network.language"),
        (("network", "default_start"), "half past five", "network.default_start"),
        (("network", "default_venue"), "   ", "network.default_venue"),
        (("reminders", "offsets"), ["7 days"], "reminders.offsets"),
        (("reminders", "offsets"), "7d", "reminders.offsets"),
        (("reminders", "offsets"), ["1d", "24h"], "reminders.offsets"),
        (("reminders", "offsets"), ["0m"], "reminders.offsets"),
        (("remiders",), {}, "remiders"),
    ],
)
def test_invalid_values_name_the_key(tmp_path: Path, path: tuple[str, ...], value: Any, key: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(_with(path, value), tmp_path / "config.toml")
    assert error.value.key == key
    paragraph = error.value.paragraph()
    assert key in paragraph and "\n" not in paragraph


@pytest.mark.parametrize("cap", [0, 21, "3", 2.5, True])
def test_a_guest_cap_outside_1_to_20_is_refused(tmp_path: Path, cap: Any) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config({**valid(), "meetings": {"max_guests_per_member": cap}}, tmp_path / "config.toml")
    assert error.value.key == "meetings.max_guests_per_member"
    assert "from 1 to 20" in error.value.paragraph()


def test_the_guest_cap_defaults_to_three(tmp_path: Path) -> None:
    assert parse_config(valid(), tmp_path / "config.toml").meetings.max_guests_per_member == 3
    chosen = parse_config({**valid(), "meetings": {"max_guests_per_member": 20}}, tmp_path / "config.toml")
    assert chosen.meetings.max_guests_per_member == 20


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as missing:
        load_config(tmp_path / "nope.toml")
    assert missing.value.key == "--config"
    broken = tmp_path / "broken.toml"
    broken.write_text("[discord\nguild_id = 1")
    with pytest.raises(ConfigError) as bad:
        load_config(broken)
    assert "not valid TOML" in bad.value.problem


@pytest.mark.parametrize(
    ("environ", "ok"),
    [
        ({}, False),
        ({"DISCORD_TOKEN": "  "}, False),
        ({"DISCORD_TOKEN": "Bot abc.def.ghi"}, False),
        ({"DISCORD_TOKEN": "abc def"}, False),
        ({"DISCORD_TOKEN": "MTA.abc.def"}, True),
    ],
)
def test_token_comes_from_the_environment(environ: dict[str, str], ok: bool) -> None:
    if ok:
        assert load_token(environ) == environ["DISCORD_TOKEN"]
    else:
        with pytest.raises(ConfigError) as error:
            load_token(environ)
        assert error.value.key == "DISCORD_TOKEN"


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("7d", timedelta(days=7)),
        ("36h", timedelta(hours=36)),
        ("90m", timedelta(minutes=90)),
        (" 1d ", timedelta(days=1)),
    ],
)
def test_offsets_round_trip(text: str, delta: timedelta) -> None:
    assert parse_offset(text) == delta
    assert parse_offset(format_offset(delta)) == delta
