"""``python -m bot setup`` against the loopback Discord: names in, a valid config out, each problem one paragraph."""

from __future__ import annotations

import dataclasses
import io
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_config
from bot.setup import SetupOptions
from bot.setup_wizard import SetupIO, run_setup
from tests.fakediscord import FakeChannel, FakeDiscord, FakeGuild, FakeRole, Perm

INVITE_PERMISSIONS = 317827705920  # the README's integer: exactly what the bot uses, no more


@pytest.fixture
async def emu() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as emulator:
        with emulator.patch_discord():
            yield emulator
            emulator.assert_healthy()  # no unknown routes, no emulator errors


@dataclass
class Network:
    """A network's server as the person knows it: by names."""

    guild: FakeGuild
    announcements: FakeChannel
    organisers: FakeChannel
    role: FakeRole


def build_network(emu: FakeDiscord, name: str = "MikroVirk") -> Network:
    guild = emu.add_guild(name)
    guild.add_text_channel("general")
    announcements = guild.add_text_channel("annonceringer")
    organisers = guild.add_text_channel("styregruppen")
    guild.add_voice_channel("Snak")
    guild.add_role("Medlem")
    role = guild.add_role("Arrangør")
    return Network(guild, announcements, organisers, role)


@dataclass
class Person:
    """Answers the wizard's questions in order and keeps what it saw; no answers left is the end of stdin."""

    answers: list[str]
    token: str | None = None  # in DISCORD_TOKEN
    sleep: Callable[[float], Awaitable[None]] | None = None
    prompts: list[str] = field(default_factory=list)
    out: io.StringIO = field(default_factory=io.StringIO)
    err: io.StringIO = field(default_factory=io.StringIO)

    def answer(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if not self.answers:
            raise EOFError
        return self.answers.pop(0)

    def console(self) -> SetupIO:
        environ = {} if self.token is None else {"DISCORD_TOKEN": self.token}
        if self.sleep is None:
            return SetupIO(self.answer, self.answer, self.out, self.err, environ=environ)
        return SetupIO(self.answer, self.answer, self.out, self.err, self.sleep, environ)


def flags(config: Path, **values: Any) -> SetupOptions:
    """Scripted use: every choice by name (as a person would type it) and --yes; ``values`` change some."""
    scripted = SetupOptions(
        config,
        server="MikroVirk",
        announcements="#annonceringer",
        organisers="styregruppen",
        organiser_role="arrangør",
        yes=True,
    )
    return dataclasses.replace(scripted, **values)


def one_paragraph(text: str) -> str:
    assert text.strip() and text.strip().count("\n") == 0, text
    assert "Traceback" not in text
    return text.strip()


async def test_flags_write_a_valid_config_without_the_token(emu: FakeDiscord, tmp_path: Path) -> None:
    network = build_network(emu)
    config = tmp_path / "config.toml"
    person = Person([], token=emu.token)
    options = flags(
        config,
        server=str(network.guild.id),
        name="Møn Net",
        language="en",
        timezone="Europe/London",
        venue="Stege",
        start="18.15",
    )

    assert await run_setup(options, person.console()) == 0, person.err.getvalue()

    loaded = load_config(config)
    assert loaded.discord.guild_id == network.guild.id
    assert loaded.discord.announcements_channel_id == network.announcements.id
    assert loaded.discord.organisers_channel_id == network.organisers.id
    assert loaded.discord.organiser_role_id == network.role.id
    assert (loaded.network.name, loaded.network.language, loaded.network.default_venue) == ("Møn Net", "en", "Stege")
    assert loaded.network.timezone.key == "Europe/London"
    assert f"{loaded.network.default_start:%H:%M}" == "18:15"
    text = config.read_text(encoding="utf-8")
    assert emu.token not in text
    assert "# the server the bot serves" in text  # a fresh file starts from the example, comments and all
    assert person.prompts == []  # --yes asks nothing
    assert not (tmp_path / "env").exists()  # the token goes into a file only when asked to
    assert emu.count("GET", r"^/users/@me/guilds$") == 1
    assert emu.identify_count == 0  # REST only, no gateway


async def test_interactive_answers_by_number_and_name(emu: FakeDiscord, tmp_path: Path) -> None:
    network = build_network(emu)
    config = tmp_path / "config.toml"
    person = Person(
        [
            emu.token,  # DISCORD_TOKEN is not set: asked, hidden
            "2",  # announcements by number: 1 general, 2 annonceringer, 3 styregruppen
            "STYRE",  # organisers by part of its name, any case
            "",  # the role: the suggestion (Arrangør)
            "Møn Net",
            "en",
            "Mars/Olympus",  # not a time zone: asked again
            "Europe/Copenhagen",
            "",  # venue: keep the example's
            "25:00",  # not a time: asked again
            "18.15",
            "",  # write the typed token to the env file: yes by default
        ]
    )

    assert await run_setup(SetupOptions(config), person.console()) == 0, person.err.getvalue()

    loaded = load_config(config)
    assert loaded.discord.announcements_channel_id == network.announcements.id
    assert loaded.discord.organisers_channel_id == network.organisers.id
    assert loaded.discord.organiser_role_id == network.role.id
    assert (loaded.network.name, loaded.network.language, loaded.network.default_venue) == (
        "Møn Net",
        "en",
        "Møn Bibliotek",
    )
    assert f"{loaded.network.default_start:%H:%M}" == "18:15"
    out = person.out.getvalue()
    assert "1. #general" in out and "2. #annonceringer" in out and "@Arrangør" in out
    assert "@MikroVirk" not in out  # the bot's own managed role is no choice
    assert "Snak" not in out  # nor is a voice channel
    assert any("[#annonceringer]" in prompt for prompt in person.prompts)  # the likely channel is suggested
    assert any("[@Arrangør]" in prompt for prompt in person.prompts)
    assert sum("Time zone" in prompt for prompt in person.prompts) == 2
    assert emu.token not in config.read_text(encoding="utf-8")
    env = tmp_path / "env"
    assert env.read_text(encoding="utf-8") == f"DISCORD_TOKEN={emu.token}\n"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert emu.token not in out + person.err.getvalue()


async def test_without_a_server_it_prints_the_invite_and_waits(emu: FakeDiscord, tmp_path: Path) -> None:
    slept: list[float] = []

    async def meanwhile_the_bot_is_added(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            build_network(emu)

    person = Person([], token=emu.token, sleep=meanwhile_the_bot_is_added)

    assert await run_setup(flags(tmp_path / "config.toml"), person.console()) == 0, person.err.getvalue()

    out = person.out.getvalue()
    assert f"client_id={emu.application_id}" in out
    assert f"permissions={INVITE_PERMISSIONS}" in out
    assert "scope=bot+applications.commands" in out
    assert slept == [5.0, 5.0]  # looked every few seconds until the bot had joined
    assert load_config(tmp_path / "config.toml").discord.announcements_channel_id != 0


async def test_without_a_server_it_gives_up_after_the_wait(emu: FakeDiscord, tmp_path: Path) -> None:
    async def nothing_happens(seconds: float) -> None:
        pass

    person = Person([], token=emu.token, sleep=nothing_happens)

    code = await run_setup(flags(tmp_path / "config.toml", wait=30), person.console())

    assert code == 2
    assert "not added to a server within 30 seconds" in one_paragraph(person.err.getvalue())
    assert emu.count("GET", r"^/users/@me/guilds$") == 1 + 6
    assert not (tmp_path / "config.toml").exists()


@pytest.mark.parametrize(
    ("query", "candidates"),
    [("ann", ("#annonceringer", "#announcements")), ("general", ("#general", "#General"))],
)
async def test_an_ambiguous_name_lists_the_candidates(
    emu: FakeDiscord, tmp_path: Path, query: str, candidates: tuple[str, ...]
) -> None:
    network = build_network(emu)
    network.guild.add_text_channel("announcements")
    network.guild.add_text_channel("General")
    person = Person([], token=emu.token)

    assert await run_setup(flags(tmp_path / "config.toml", announcements=query), person.console()) == 2

    error = one_paragraph(person.err.getvalue())
    assert "'--announcements'" in error and "more than one" in error
    assert all(candidate in error for candidate in candidates)
    assert "#styregruppen" not in error  # only the candidates the name matched
    assert not (tmp_path / "config.toml").exists()


async def test_a_name_matching_nothing_lists_every_choice(emu: FakeDiscord, tmp_path: Path) -> None:
    build_network(emu)
    person = Person([], token=emu.token)

    assert await run_setup(flags(tmp_path / "config.toml", organiser_role="bestyrelsen"), person.console()) == 2

    error = one_paragraph(person.err.getvalue())
    assert "'--organiser-role'" in error and "'bestyrelsen'" in error
    assert "@Arrangør" in error and "@Medlem" in error
    assert not (tmp_path / "config.toml").exists()


async def test_a_missing_permission_is_named(emu: FakeDiscord, tmp_path: Path) -> None:
    network = build_network(emu)
    network.guild.set_permissions(network.announcements, network.guild.bot_role, deny=Perm.SEND_MESSAGES)
    network.guild.set_bot_permissions(network.guild.bot_role.permissions & ~Perm.MANAGE_EVENTS)
    person = Person([], token=emu.token)

    assert await run_setup(flags(tmp_path / "config.toml"), person.console()) == 0, person.err.getvalue()

    warnings = person.err.getvalue().strip().splitlines()
    assert len(warnings) == 2, warnings
    channel, server = warnings
    assert "Send Messages" in channel and "#annonceringer" in channel
    assert "Embed Links" not in channel and "Send Messages in Threads" not in channel  # only what is missing
    assert "Manage Events" in server and "#" not in server
    assert "#styregruppen" not in person.err.getvalue()


EXISTING = """\
# Our network's bot. Edited by hand in 2026 — keep this line.

[discord]
guild_id = 1  # an old server
announcements_channel_id = 2
organisers_channel_id = 3
organiser_role_id = 4

[network]
language = "en"  # we post in English

[reminders]
# a week and two days before: our members plan late
offsets = ["7d", "2d"]
"""


async def test_an_existing_config_keeps_its_comments_and_other_keys(emu: FakeDiscord, tmp_path: Path) -> None:
    network = build_network(emu)
    config = tmp_path / "config.toml"
    config.write_text(EXISTING, encoding="utf-8")
    person = Person([], token=emu.token)

    assert await run_setup(flags(config, venue="Stege"), person.console()) == 0, person.err.getvalue()

    text = config.read_text(encoding="utf-8")
    assert "# Our network's bot. Edited by hand in 2026 — keep this line." in text
    assert "# a week and two days before: our members plan late" in text
    assert 'language = "en"  # we post in English' in text
    assert "# an old server" in text
    loaded = load_config(config)
    assert loaded.discord.guild_id == network.guild.id
    assert [offset.days for offset in loaded.reminders.offsets] == [7, 2]
    assert (loaded.network.language, loaded.network.default_venue) == ("en", "Stege")

    # Run again with --yes and no choices: the config's current ones are kept.
    rerun = Person([], token=emu.token)
    assert await run_setup(SetupOptions(config, yes=True), rerun.console()) == 0, rerun.err.getvalue()
    assert config.read_text(encoding="utf-8") == text


async def test_an_existing_config_is_left_alone_when_the_person_says_no(emu: FakeDiscord, tmp_path: Path) -> None:
    build_network(emu)
    config = tmp_path / "config.toml"
    config.write_text(EXISTING, encoding="utf-8")
    person = Person(["n"], token=emu.token)

    assert await run_setup(SetupOptions(config), person.console()) == 0

    assert "exists. Update it?" in person.prompts[0]
    assert config.read_text(encoding="utf-8") == EXISTING
    assert emu.requests == []  # nothing asked of Discord either


async def test_a_config_that_would_not_validate_is_not_written(emu: FakeDiscord, tmp_path: Path) -> None:
    build_network(emu)
    config = tmp_path / "config.toml"
    broken = EXISTING + "monthly_day = 40\n"
    config.write_text(broken, encoding="utf-8")
    person = Person([], token=emu.token)

    assert await run_setup(flags(config), person.console()) == 2

    error = one_paragraph(person.err.getvalue())
    assert "'reminders.monthly_day'" in error and "was not changed" in error
    assert config.read_text(encoding="utf-8") == broken


async def test_a_bad_token_is_one_paragraph(emu: FakeDiscord, tmp_path: Path) -> None:
    build_network(emu)
    person = Person([], token="MTA.not.this-bot")

    assert await run_setup(flags(tmp_path / "config.toml"), person.console()) == 2

    error = one_paragraph(person.err.getvalue())
    assert "'DISCORD_TOKEN'" in error and "rejected" in error
    assert "MTA.not.this-bot" not in error
    assert not (tmp_path / "config.toml").exists()


async def test_the_env_file_holds_the_token_for_its_owner_only(emu: FakeDiscord, tmp_path: Path) -> None:
    build_network(emu)
    env = tmp_path / "secrets" / "mikrovirk.env"
    env.parent.mkdir()
    env.write_text("TZ=Europe/Copenhagen\nDISCORD_TOKEN=an-old-token\n", encoding="utf-8")
    env.chmod(0o644)
    person = Person([], token=emu.token)

    assert await run_setup(flags(tmp_path / "config.toml", env_file=env), person.console()) == 0, person.err.getvalue()

    assert env.read_text(encoding="utf-8") == f"TZ=Europe/Copenhagen\nDISCORD_TOKEN={emu.token}\n"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert [path.name for path in env.parent.iterdir()] == ["mikrovirk.env"]  # no temporary file left behind


async def test_without_stdin_it_says_how_to_run_it_unattended(emu: FakeDiscord, tmp_path: Path) -> None:
    build_network(emu)
    person = Person([], token=emu.token)

    assert await run_setup(SetupOptions(tmp_path / "config.toml"), person.console()) == 2

    assert "--yes" in one_paragraph(person.err.getvalue())
