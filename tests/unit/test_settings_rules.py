"""The rules of /settings: how typed values are read, and how stored changes lay over the config file."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import parse_config
from bot.settings import (
    SettingKey,
    SettingProblem,
    SettingValueError,
    effective_config,
    parse_offsets,
    parse_setting,
    stored_text,
)

FILE = {
    "discord": {
        "guild_id": 10,
        "announcements_channel_id": 11,
        "organisers_channel_id": 12,
        "organiser_role_id": 13,
    }
}


@pytest.mark.parametrize(
    ("typed", "offsets"),
    [
        ("7d, 1d", (timedelta(days=7), timedelta(days=1))),
        ("1d 7d", (timedelta(days=7), timedelta(days=1))),
        (" 2h,30m ", (timedelta(hours=2), timedelta(minutes=30))),
        ("60d", (timedelta(days=60),)),
    ],
)
def test_offsets_are_read_longest_first(typed: str, offsets: tuple[timedelta, ...]) -> None:
    assert parse_offsets(typed) == offsets


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("7x", SettingProblem.BAD_OFFSET),
        ("7", SettingProblem.BAD_OFFSET),
        ("61d", SettingProblem.OFFSET_RANGE),
        ("0m", SettingProblem.OFFSET_RANGE),
        ("1d, 24h", SettingProblem.DUPLICATE_OFFSET),
        ("1d 2d 3d 4d 5d 6d", SettingProblem.TOO_MANY_OFFSETS),
        (" , ", SettingProblem.NO_OFFSETS),
    ],
)
def test_bad_offsets_say_why(typed: str, problem: SettingProblem) -> None:
    with pytest.raises(SettingValueError) as refused:
        parse_offsets(typed)
    assert refused.value.problem is problem


@pytest.mark.parametrize(
    ("key", "typed", "problem"),
    [
        (SettingKey.TIMEZONE, "Europe/Moen", SettingProblem.UNKNOWN_TIMEZONE),
        (SettingKey.TIMEZONE, "../etc/passwd", SettingProblem.UNKNOWN_TIMEZONE),
        (SettingKey.START, "25:00", SettingProblem.BAD_TIME),
        (SettingKey.MONTHLY_TIME, "nine", SettingProblem.BAD_TIME),
        (SettingKey.MONTHLY_DAY, "29", SettingProblem.BAD_DAY),
        (SettingKey.MONTHLY_DAY, "-1", SettingProblem.BAD_DAY),
        (SettingKey.LANGUAGE, "de", SettingProblem.BAD_LANGUAGE),
        (SettingKey.VENUE, "   ", SettingProblem.EMPTY_TEXT),
        (SettingKey.NETWORK_NAME, "x" * 101, SettingProblem.TOO_LONG),
    ],
)
def test_bad_values_say_why(key: SettingKey, typed: str, problem: SettingProblem) -> None:
    with pytest.raises(SettingValueError) as refused:
        parse_setting(key, typed)
    assert refused.value.problem is problem and refused.value.text == typed


def test_stored_text_reads_back_to_the_same_value() -> None:
    for key, typed in (
        (SettingKey.REMINDER_OFFSETS, "1d 7d 90m"),
        (SettingKey.START, "17.30"),
        (SettingKey.TIMEZONE, "America/New_York"),
        (SettingKey.MONTHLY_DAY, "3"),
        (SettingKey.ORGANISERS_CHANNEL, "123"),
    ):
        value = parse_setting(key, typed)
        assert parse_setting(key, stored_text(key, value)) == value
    assert stored_text(SettingKey.REMINDER_OFFSETS, parse_offsets("1d 7d 90m")) == "7d, 1d, 90m"
    assert stored_text(SettingKey.START, time(17, 30)) == "17:30"


def test_changes_lay_over_the_file_and_leave_the_rest(tmp_path: Path) -> None:
    base = parse_config(FILE, tmp_path / "config.toml")
    config = effective_config(
        base,
        {
            SettingKey.ANNOUNCEMENTS_CHANNEL: "99",
            SettingKey.REMINDER_OFFSETS: "3d, 2h",
            SettingKey.TIMEZONE: "Europe/London",
            SettingKey.TOPICS_CHANNEL: "77",
        },
    )
    assert config.discord.announcements_channel_id == 99
    assert config.discord.organisers_channel_id == 12
    assert config.reminders.offsets == (timedelta(days=3), timedelta(hours=2))
    assert config.reminders.monthly_day == base.reminders.monthly_day
    assert config.network.timezone == ZoneInfo("Europe/London")
    assert config.network.name == base.network.name
    assert config.feedback.topics_channel_id == 77
    assert config.database == base.database and config.source == base.source


def test_a_stored_value_the_rules_now_refuse_leaves_the_files_value(tmp_path: Path) -> None:
    base = parse_config(FILE, tmp_path / "config.toml")
    config = effective_config(base, {SettingKey.TIMEZONE: "Mars/Olympus", SettingKey.VENUE: "Stege"})
    assert config.network.timezone == base.network.timezone
    assert config.network.default_venue == "Stege"


def test_only_channels_and_role_need_manage_server_and_only_timing_re_plans() -> None:
    assert {key for key in SettingKey if key.needs_manage_server} == {
        SettingKey.ANNOUNCEMENTS_CHANNEL,
        SettingKey.ORGANISERS_CHANNEL,
        SettingKey.TOPICS_CHANNEL,
        SettingKey.ORGANISER_ROLE,
    }
    assert {key for key in SettingKey if key.moves_rounds} == {
        SettingKey.REMINDER_OFFSETS,
        SettingKey.MONTHLY_DAY,
        SettingKey.MONTHLY_TIME,
        SettingKey.TIMEZONE,
    }
