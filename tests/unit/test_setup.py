"""The setup wizard's rules: what a typed name means, what is likely, the bot's permissions, and the files written."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import discord
import pytest

from bot.config import ConfigError
from bot.setup import (
    INVITE_PERMISSIONS,
    NEEDED_PERMISSIONS,
    BotMember,
    ChannelChoice,
    Choice,
    Overwrite,
    Place,
    RoleChoice,
    effective_permissions,
    matching,
    missing_permissions,
    parse_start,
    parse_timezone,
    permission_label,
    pick,
    render_config,
    suggest,
    write_env_file,
)

GENERAL, GENERAL_CHAT, HOT_SEAT, NEWS = (
    ChannelChoice(11, "general"),
    ChannelChoice(12, "general-chat"),
    ChannelChoice(13, "hot-seat"),
    ChannelChoice(14, "møder-og-nyheder"),
)
CHANNELS = [GENERAL, GENERAL_CHAT, HOT_SEAT, NEWS]


def test_the_invite_asks_for_exactly_what_the_bot_uses() -> None:
    assert INVITE_PERMISSIONS == 317827705920  # the README's integer
    for needed in NEEDED_PERMISSIONS:  # each name is discord.py's, with Discord's bit
        assert discord.Permissions(needed.bit) == discord.Permissions(**{needed.flag: True})
    assert not discord.Permissions(INVITE_PERMISSIONS).manage_roles  # the bot never gives roles
    assert not discord.Permissions(INVITE_PERMISSIONS).administrator


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("general", [GENERAL]),  # an exact name beats names containing it
        ("#General", [GENERAL]),
        ("hot seat", [HOT_SEAT]),  # people type spaces where Discord has dashes
        ("MØDER", [NEWS]),
        ("gen", [GENERAL, GENERAL_CHAT]),
        ("13", [HOT_SEAT]),  # an id
        ("nothing", []),
        ("#", []),
    ],
)
def test_what_a_typed_name_means(query: str, expected: list[ChannelChoice]) -> None:
    assert matching(query, CHANNELS) == expected


def test_pick_names_the_flag_and_the_candidates() -> None:
    assert pick("hot", CHANNELS, "text channel", "--organisers") == HOT_SEAT
    with pytest.raises(ConfigError) as ambiguous:
        pick("gen", CHANNELS, "text channel", "--organisers")
    assert ambiguous.value.key == "--organisers"
    assert "#general, #general-chat" in ambiguous.value.paragraph() and "#hot-seat" not in ambiguous.value.paragraph()
    with pytest.raises(ConfigError) as nothing:
        pick("board", [RoleChoice(1, "Arrangør"), RoleChoice(2, "Medlem")], "role", "--organiser-role")
    assert "no role matches 'board'" in nothing.value.paragraph()
    assert "@Arrangør, @Medlem" in nothing.value.paragraph()


def test_suggestions_prefer_the_current_choice_then_the_strongest_word() -> None:
    assert suggest(CHANNELS, ("annoncering", "nyhed"), current_id=12) == GENERAL_CHAT
    assert suggest(CHANNELS, ("annoncering", "nyhed"), current_id=99) == NEWS
    assert suggest(CHANNELS, ("arrangør",)) is None
    servers = [Choice(1, "MikroVirk"), Choice(2, "Test")]
    assert suggest(servers, (), current_id=2) == servers[1]


GUILD, BOT, BOT_ROLE, OTHER_ROLE = 100, 200, 300, 400
SEND, VIEW, EVENTS = (1 << 11), (1 << 10), (1 << 33)


def member(everyone: int = VIEW | SEND, bot_role: int = 0, *, is_owner: bool = False) -> BotMember:
    return BotMember(
        guild_id=GUILD,
        user_id=BOT,
        role_ids=frozenset({BOT_ROLE}),
        role_permissions={GUILD: everyone, BOT_ROLE: bot_role, OTHER_ROLE: EVENTS},
        is_owner=is_owner,
    )


@pytest.mark.parametrize(
    ("bot", "overwrites", "expected"),
    [
        (member(), (), VIEW | SEND),  # @everyone's and its own roles', not other roles'
        (member(bot_role=EVENTS), (), VIEW | SEND | EVENTS),
        (member(), (Overwrite(GUILD, False, 0, SEND),), VIEW),
        (member(), (Overwrite(OTHER_ROLE, False, 0, SEND),), VIEW | SEND),  # another role's overwrite
        # a role's allow beats @everyone's deny; the member's own overwrite beats both
        (member(), (Overwrite(GUILD, False, 0, SEND), Overwrite(BOT_ROLE, False, SEND, 0)), VIEW | SEND),
        (member(), (Overwrite(BOT_ROLE, False, SEND, 0), Overwrite(BOT, True, 0, SEND)), VIEW),
        (member(), (Overwrite(BOT, False, 0, SEND),), VIEW | SEND),  # a role overwrite with the member's id: no match
    ],
)
def test_the_bots_permissions_in_a_channel(bot: BotMember, overwrites: tuple[Overwrite, ...], expected: int) -> None:
    assert effective_permissions(bot, overwrites) == expected


def test_the_owner_and_administrators_have_everything() -> None:
    deny_all = (Overwrite(GUILD, False, 0, VIEW | SEND), Overwrite(BOT, True, 0, VIEW | SEND))
    for bot in (member(is_owner=True), member(bot_role=1 << 3)):
        assert missing_permissions(effective_permissions(bot, deny_all), Place.ANNOUNCEMENTS) == []


def test_missing_permissions_are_those_needed_there() -> None:
    lacking = missing_permissions(effective_permissions(member()), Place.ORGANISERS)
    assert [permission_label(needed.flag) for needed in lacking] == ["Embed Links", "Attach Files"]
    assert permission_label("send_messages_in_threads") == "Send Messages in Threads"


def test_render_keeps_comments_and_the_comment_column() -> None:
    template = '# head\n[discord]\nguild_id = 0        # the server\n\n[reminders]\noffsets = ["1d"] # kept\n'
    text = render_config(template, {"discord": {"guild_id": 12345}, "network": {"language": "en"}})
    assert text.startswith("# head\n[discord]\nguild_id = 12345    # the server\n")
    assert 'offsets = ["1d"] # kept' in text
    assert tomllib.loads(text)["network"] == {"language": "en"}


def test_render_refuses_a_section_that_is_not_a_table() -> None:
    with pytest.raises(ConfigError) as refused:
        render_config('network = "x"\n', {"network": {"language": "en"}})
    assert refused.value.key == "network"


def test_network_answers_are_normalised() -> None:
    assert parse_start("9.05") == "09:05"
    assert parse_timezone(" Europe/Copenhagen ") == "Europe/Copenhagen"
    for bad in ("Mars/Olympus", "", "../etc/passwd"):
        with pytest.raises(ValueError, match="IANA"):
            parse_timezone(bad)
    with pytest.raises(ValueError, match="HH:MM"):
        parse_start("24:00")


def test_the_env_file_is_private_whatever_the_umask(tmp_path: Path) -> None:
    env = tmp_path / "env"
    previous = os.umask(0)
    try:
        write_env_file(env, "MTA.token")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert env.read_text(encoding="utf-8") == "DISCORD_TOKEN=MTA.token\n"
