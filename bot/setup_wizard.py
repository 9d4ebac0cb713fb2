"""``python -m bot setup``: the conversation that writes ``config.toml`` without anyone copying an id.

It logs in with the token over REST only (discord.py's HTTP client, no gateway), finds the server (or prints the
invite link and waits until the bot is added), lets the person choose the channels and the role by number or name (or
takes flags, for scripts), warns about permissions the bot lacks where it will work, asks the network settings, and
writes the file keeping its comments and other settings. The rules are in :mod:`bot.setup`. Every problem is one
paragraph and exit code 2, like the rest of the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
import tomllib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from discord.http import HTTPClient

from bot import setup, setup_discord
from bot.config import LANGUAGES, TOKEN_ENV, ConfigError, load_token, parse_config

# The command line's exit codes (bot.__main__): 2 is a problem a person must fix.
EXIT_OK = 0
EXIT_CONFIG = 2
EXIT_INTERRUPTED = 130  # the shell's code for Ctrl+C

EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "config.example.toml"
# The systemd unit (deploy/mikrovirk-bot.service) reads EnvironmentFile=/etc/mikrovirk-bot/env, beside its config.
ENV_FILE_NAME = "env"


@dataclass
class SetupIO:
    """Where the wizard talks to the person; tests pass scripted answers and a sleep that changes the emulator."""

    ask_line: Callable[[str], str] = input
    ask_secret: Callable[[str], str] = getpass.getpass
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def warn(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    def ask(self, prompt: str, *, secret: bool = False) -> str:
        try:
            return (self.ask_secret if secret else self.ask_line)(prompt).strip()
        except EOFError:
            raise setup.SetupError(
                f"Setup needs an answer to {prompt.strip()!r} but standard input has ended. Run it in a terminal, "
                f"or give every choice as a flag together with --yes (see python -m bot setup --help)."
            ) from None

    def confirm(self, question: str, *, default: bool) -> bool:
        while True:
            answer = self.ask(f"{question} [{'Y/n' if default else 'y/N'}] ").casefold()
            if not answer:
                return default
            if answer in ("y", "yes", "j", "ja"):
                return True
            if answer in ("n", "no", "nej"):
                return False
            self.say("Please answer y or n.")


# -- choosing ------------------------------------------------------------------------------------------------------


def _list(io: SetupIO, title: str, candidates: Sequence[setup.Choice]) -> None:
    io.say(title)
    for number, candidate in enumerate(candidates, 1):
        io.say(f"  {number:>2}. {candidate.label}")


def _choose(
    io: SetupIO,
    options: setup.SetupOptions,
    question: setup.ChoiceQuestion,
    candidates: Sequence[setup.C],
    current: Mapping[str, Any],
    likely: Sequence[setup.C] | None = None,
) -> setup.C:
    """The flag's choice; with --yes the config's current one; else the person's, by number, name or id (an empty
    answer takes the current one or, failing that, a likely one from ``likely``)."""
    given, flag, what = question.given(options), question.flag, question.what
    if given is not None:
        return setup.pick(given, candidates, what, flag)
    section = current.get("discord")
    current_id = section.get(question.key) if isinstance(section, dict) else None
    if options.yes:
        configured = next((candidate for candidate in candidates if candidate.id == current_id), None)
        if configured is not None:
            return configured
        listing = ", ".join(candidate.label for candidate in candidates)
        raise ConfigError(flag, f"is needed with --yes (no {what} is configured yet).", f"Choose one of: {listing}.")
    suggestion = setup.suggest(candidates, (), current_id) or setup.suggest(likely or candidates, question.words)
    while True:
        answer = io.ask(f"{question.question} [{suggestion.label}]: " if suggestion else f"{question.question}: ")
        if not answer and suggestion is not None:
            return suggestion
        if answer.isdigit() and 1 <= int(answer) <= len(candidates):
            return candidates[int(answer) - 1]
        found = setup.matching(answer, candidates) if answer else []
        if len(found) == 1:
            return found[0]
        if found:
            io.say(f"{answer!r} matches more than one {what}: {', '.join(c.label for c in found)}. Be more precise.")
        else:
            io.say(f"Type a number from the list or a {what}'s name.")


async def _choose_server(
    http: HTTPClient, io: SetupIO, options: setup.SetupOptions, current: Mapping[str, Any]
) -> setup.Choice:
    found = await setup_discord.servers(http) or await setup_discord.wait_until_invited(
        http, io.say, io.sleep, options.wait
    )
    if options.server is None and len(found) == 1:
        io.say(f"Server: {found[0].label}")
        return found[0]
    if options.server is None and not options.yes:
        _list(io, "The bot is in these servers:", found)
    return _choose(io, options, setup.SERVER, found, current)


@dataclass(frozen=True, slots=True)
class ServerChoices:
    server: setup.Choice
    announcements: setup.ChannelChoice
    organisers: setup.ChannelChoice
    organiser_role: setup.RoleChoice


def _choose_in(
    view: setup_discord.ServerView, io: SetupIO, options: setup.SetupOptions, current: Mapping[str, Any]
) -> ServerChoices:
    label, channels, roles = view.server.label, view.channels, view.roles
    if not channels:
        raise setup.SetupError(
            f"The bot sees no text channel on {label}. Create the channels first, then run setup again."
        )
    if not roles:
        raise setup.SetupError(
            f"{label} has no role for organisers. Create one (Server Settings → Roles), give it to the organisers, "
            f"and run setup again."
        )
    if not options.yes and (options.announcements is None or options.organisers is None):
        _list(io, f"Text channels on {label}:", channels)
    announcements = _choose(io, options, setup.ANNOUNCEMENTS, channels, current)
    others = [channel for channel in channels if channel != announcements]
    organisers = _choose(io, options, setup.ORGANISERS, channels, current, likely=others)
    if not options.yes and options.organiser_role is None:
        _list(io, f"Roles on {label}:", roles)
    role = _choose(io, options, setup.ORGANISER_ROLE, roles, current)
    return ServerChoices(view.server, announcements, organisers, role)


def _warn_about_permissions(view: setup_discord.ServerView, chosen: ServerChoices, io: SetupIO) -> None:
    for place, channel in (
        (setup.Place.ANNOUNCEMENTS, chosen.announcements),
        (setup.Place.ORGANISERS, chosen.organisers),
    ):
        lacking = setup.missing_permissions(setup.effective_permissions(view.bot, channel.overwrites), place)
        if lacking:
            io.warn(setup.missing_warning(lacking, f"{place} {channel.label}"))
    lacking = setup.missing_permissions(setup.effective_permissions(view.bot), setup.Place.SERVER)
    if lacking:
        io.warn(setup.missing_warning(lacking, setup.Place.SERVER))


# -- network settings ----------------------------------------------------------------------------------------------


def _network_settings(io: SetupIO, options: setup.SetupOptions, current: Mapping[str, Any]) -> dict[str, str]:
    """The given or answered ``[network]`` values; one left unanswered keeps the file's value (or the bot's default)."""
    section = current.get("network")
    existing = section if isinstance(section, dict) else {}
    values: dict[str, str] = {}
    for question in setup.NETWORK_QUESTIONS:
        given = question.given(options)
        if given is not None:
            try:
                values[question.key] = question.parse(given)
            except ValueError as error:
                raise ConfigError(question.flag, f"{given!r} {error}", "See python -m bot setup --help.") from None
            continue
        if options.yes:
            continue
        default = existing.get(question.key)
        prompt = f"{question.question} [{default}]: " if isinstance(default, str) else f"{question.question}: "
        while answer := io.ask(prompt):
            try:
                values[question.key] = question.parse(answer)
                break
            except ValueError as error:
                io.say(f"{answer!r} {error}")
    return values


# -- the wizard ----------------------------------------------------------------------------------------------------


def _template(path: Path) -> tuple[str, bool]:
    """The text the new config starts from (the file itself if it exists, else the example) and whether it exists."""
    if path.is_file():
        return path.read_text(encoding="utf-8"), True
    return (EXAMPLE_CONFIG.read_text(encoding="utf-8") if EXAMPLE_CONFIG.is_file() else ""), False


def _token(io: SetupIO, options: setup.SetupOptions) -> tuple[str, bool]:
    """The token and whether the person typed it (rather than having it in the environment)."""
    if io.environ.get(TOKEN_ENV, "").strip() or options.yes:
        return load_token(io.environ), False
    typed = io.ask(
        f"{TOKEN_ENV} is not set. Paste the bot's token (Developer Portal → your application → Bot → Reset Token; "
        f"input is hidden): ",
        secret=True,
    )
    return load_token({TOKEN_ENV: typed}), True


async def _setup(options: setup.SetupOptions, io: SetupIO) -> None:
    path = options.config_path
    template, exists = _template(path)
    try:
        current = tomllib.loads(template)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError("--config", f"{str(path)!r} is not valid TOML ({error}).", "Fix its syntax first.") from None
    update = f"{path} exists. Update it? Its comments and other settings are kept."
    if exists and not options.yes and not io.confirm(update, default=True):
        io.say(f"{path} was left as it was.")
        return
    token, typed = _token(io, options)
    async with setup_discord.logged_in(token) as (http, bot_id):
        server = await _choose_server(http, io, options, current)
        view = await setup_discord.look_at(http, server, bot_id)
    chosen = _choose_in(view, io, options, current)
    _warn_about_permissions(view, chosen, io)
    changes: dict[str, dict[str, Any]] = {
        "discord": {
            "guild_id": chosen.server.id,
            "announcements_channel_id": chosen.announcements.id,
            "organisers_channel_id": chosen.organisers.id,
            "organiser_role_id": chosen.organiser_role.id,
        }
    }
    if network := _network_settings(io, options, current):
        changes["network"] = network
    if options.database is not None:
        changes["database"] = {"path": options.database}
    text = setup.render_config(template, changes)
    try:
        parse_config(tomllib.loads(text), path.resolve())  # what `check` validates, before anything is written
    except ConfigError as error:
        raise setup.SetupError(f"{error.paragraph()} {path} was not changed.") from None
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise setup.SetupError(
            f"Could not write {path} ({error.strerror or error}). Check the folder and its rights."
        ) from None
    io.say(
        f"Wrote {path}: server {chosen.server.label}, announcements {chosen.announcements.label}, organisers "
        f"{chosen.organisers.label}, organiser role {chosen.organiser_role.label}."
    )
    env_file = options.env_file
    if env_file is None and not options.yes:
        offered = path.parent / ENV_FILE_NAME
        if io.confirm(f"Write the token to {offered} (readable only by you) for the systemd unit?", default=typed):
            env_file = offered
    if env_file is not None:
        try:
            setup.write_env_file(env_file, token)
        except OSError as error:
            raise setup.SetupError(
                f"Could not write the token to {env_file} ({error.strerror or error}). Choose another file with "
                f"--env-file, or set {TOKEN_ENV} yourself."
            ) from None
        io.say(f"Wrote {TOKEN_ENV} to {env_file} (mode 600). Load it with: set -a; . {env_file}; set +a")
    io.say(f"Next: python -m bot check --config {path}, then python -m bot --config {path}")


async def run_setup(options: setup.SetupOptions, io: SetupIO | None = None) -> int:
    """The wizard; returns the exit code (0, or 2 after printing one paragraph)."""
    io = io or SetupIO()
    try:
        await _setup(options, io)
    except (ConfigError, setup.SetupError) as error:
        io.warn(error.paragraph())
        return EXIT_CONFIG
    return EXIT_OK


# -- command line --------------------------------------------------------------------------------------------------


def add_setup_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``python -m bot setup``."""
    parser.description = (
        f"Write the config file: log in with ${TOKEN_ENV} (or ask for the token), find the server, channels and "
        f"role by name and fill in their ids, keeping the file's comments and other settings. Without --yes it asks "
        f"for whatever the flags leave out; with --yes it asks nothing."
    )
    choose = parser.add_argument_group("choices (a name, part of a name, or an id; asked when left out)")
    choose.add_argument("--server", metavar="NAME_OR_ID", help="the server (needed only if the bot is in several)")
    choose.add_argument("--announcements", metavar="NAME_OR_ID", help="where meetings and reminders are posted")
    choose.add_argument("--organisers", metavar="NAME_OR_ID", help="the channel for organiser notices")
    choose.add_argument("--organiser-role", metavar="NAME_OR_ID", help="the role whose members may organise")
    network = parser.add_argument_group("network settings (asked when left out; --yes keeps the file's values)")
    network.add_argument("--name", metavar="TEXT", help="the network's name, used in posts")
    network.add_argument("--language", choices=LANGUAGES, help="language of public posts")
    network.add_argument("--timezone", metavar="TZ", help="IANA time zone meetings are planned in (Europe/Copenhagen)")
    network.add_argument("--venue", metavar="TEXT", help="usual venue")
    network.add_argument("--start", metavar="HH:MM", help="usual start time")
    parser.add_argument("--database", metavar="PATH", help="the SQLite file (relative to the config's folder)")
    parser.add_argument(
        "--env-file",
        type=Path,
        metavar="PATH",
        help=f"also write {TOKEN_ENV}=… to this file, mode 600 (without --yes it offers '{ENV_FILE_NAME}' beside the "
        f"config, the file the systemd unit reads)",
    )
    parser.add_argument("--yes", action="store_true", help="ask nothing: update an existing config, use flags only")
    parser.add_argument(
        "--wait",
        type=float,
        default=setup.DEFAULT_WAIT_SECONDS,
        metavar="SECONDS",
        help="how long to wait for the bot to be added to a server (default: %(default).0f)",
    )


def setup_command(args: argparse.Namespace, config_path: Path) -> int:
    """``python -m bot setup``, from the parsed arguments."""
    options = setup.SetupOptions(
        config_path=config_path,
        server=args.server,
        announcements=args.announcements,
        organisers=args.organisers,
        organiser_role=args.organiser_role,
        name=args.name,
        language=args.language,
        timezone=args.timezone,
        venue=args.venue,
        start=args.start,
        database=args.database,
        env_file=args.env_file,
        yes=args.yes,
        wait=args.wait,
    )
    try:
        return asyncio.run(run_setup(options))
    except KeyboardInterrupt:
        print("\nSetup stopped.", file=sys.stderr)
        return EXIT_INTERRUPTED
