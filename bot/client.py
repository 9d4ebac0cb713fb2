"""The bot: a ``commands.Bot`` that owns the database, the scheduler, the translator and the cogs."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import pkgutil
from datetime import timedelta
from typing import Any

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands

import cogs
from bot.clock import Clock, system_clock
from bot.config import Config, ConfigError, Language
from bot.errors import UserFacingError
from bot.i18n import Catalogue, default_catalogue, msgkey
from bot.services.dm import DirectMessenger
from bot.services.given_up import GivenUpNotice
from bot.services.languages import MemberLanguages
from bot.services.rounds import RoundRunner
from bot.services.settings import ServerSettings
from bot.services.tasks import BackgroundTasks, MeetingLocks
from bot.settings import SettingKey, current_value, readable
from bot.timers import Timers
from bot.translator import CatalogueTranslator, language_for_locale
from db import command_sync, health
from db.database import Database
from db.lock import DatabaseInUseError, DatabaseLock

log = logging.getLogger(__name__)

# What the bot needs in the announcements and organisers' channels; a missing one is logged at start.
_CHANNEL_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "add_reactions",
    "read_message_history",
)


# discord.py names the task of every event handler it runs "discord.py: <event>".
_EVENT_TASK_PREFIX = "discord.py: "
SHUTDOWN_GRACE_SECONDS = 5.0
# How often the running bot writes its heartbeat; `status` calls a bot silent for three beats unhealthy.
HEARTBEAT_INTERVAL = timedelta(minutes=1)


def discover_extensions() -> list[str]:
    """Every public module in ``cogs/`` is an extension; modules starting with ``_`` are helpers."""
    return sorted(
        f"{cogs.__name__}.{module.name}"
        for module in pkgutil.iter_modules(cogs.__path__)
        if not module.name.startswith("_")
    )


def bot_intents() -> discord.Intents:
    """Only what the features need: guilds (channels, roles), guild reactions (RSVPs) and members — the one
    privileged intent, for newcomers: join dates and the welcome (enable "Server Members Intent" in the portal)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_reactions = True
    intents.members = True
    return intents


class MikroVirkTree(app_commands.CommandTree["MikroVirkBot"]):
    """Command tree with the one error path: every failure gets a polite ephemeral answer."""

    async def interaction_check(self, interaction: discord.Interaction[MikroVirkBot], /) -> bool:
        bot = interaction.client
        # Only on commands, not on every autocomplete keystroke.
        if interaction.guild_id is not None and interaction.type is discord.InteractionType.application_command:
            language = language_for_locale(interaction.locale, bot.config.network.language)
            try:
                await bot.languages.remember(interaction.guild_id, interaction.user.id, language)
            except Exception:
                # Remembering the language is a convenience for later DMs; it must never block the command.
                log.exception("could not store member language", extra={"user_id": interaction.user.id})
        return True

    async def on_error(
        self, interaction: discord.Interaction[MikroVirkBot], error: app_commands.AppCommandError, /
    ) -> None:
        bot = interaction.client
        cause: BaseException = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if isinstance(cause, UserFacingError):
            key, params = cause.key, cause.params
            log.info(
                "command refused",
                extra={
                    "command": _command_name(interaction),
                    "user_id": interaction.user.id,
                    "reason": cause.key,
                },
            )
        elif isinstance(cause, app_commands.CommandOnCooldown):
            key, params = msgkey("errors.cooldown"), {"seconds": round(cause.retry_after)}
        elif isinstance(cause, app_commands.BotMissingPermissions):
            missing = ", ".join(cause.missing_permissions)
            key, params = msgkey("errors.bot_missing_permissions"), {"permissions": missing}
        elif isinstance(cause, app_commands.CheckFailure):
            key, params = msgkey("errors.not_allowed"), {}
        else:
            key, params = msgkey("errors.unexpected"), {}
            log.error(
                "command failed",
                exc_info=cause,
                extra={"command": _command_name(interaction), "user_id": interaction.user.id},
            )
        await bot.reply_ephemeral(interaction, bot.text_for(interaction, key, **params))


def _command_name(interaction: discord.Interaction[Any]) -> str | None:
    return interaction.command.qualified_name if interaction.command else None


class MikroVirkBot(commands.Bot):
    def __init__(
        self,
        config: Config,
        *,
        clock: Clock = system_clock,
        catalogue: Catalogue | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            help_command=None,
            tree_cls=MikroVirkTree,
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        # The config file as loaded; `config` is what applies: the file with the server's /settings changes over it.
        self.file_config = config
        self.config = config
        self.clock = clock
        self.catalogue = catalogue or default_catalogue()
        self.db = Database(config.database.path)
        self.instance_lock = DatabaseLock(config.database.path)
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.timers = Timers(self.scheduler, clock)
        # Shared by every feature, built once: one DM pacer for the whole bot, one runner for every timed round, the
        # per-meeting locks and the background tasks. Cogs take them from the bot, never from another cog.
        self.dm = DirectMessenger(self)
        self.rounds = RoundRunner(self)
        self.rounds.register(GivenUpNotice(self))
        self.languages = MemberLanguages(self.db, clock)
        self.settings = ServerSettings(self)
        self.locks = MeetingLocks()
        self.tasks = BackgroundTasks()
        self.startup_error: ConfigError | None = None
        self._started_at = clock()
        self._guild_checked = False
        self._beating = False

    # -- start-up --------------------------------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        try:
            self.instance_lock.acquire()
        except DatabaseInUseError as error:
            holder = f"process {error.pid}" if error.pid else "another process"
            raise ConfigError(
                "database.path",
                f"another MikroVirk bot ({holder}) is already running on {self.config.database.path}.",
                "Two bots on one database would send every reminder twice. Stop the other one first (or point this "
                "config at its own database).",
            ) from None
        await self.db.open()
        applied = await self.db.migrate()
        log.info("database ready", extra={"migrations_applied": applied})
        await self.settings.load()
        await self._beat()
        self.timers.every("heartbeat", HEARTBEAT_INTERVAL, lambda: self.tasks.spawn(self._beat(), "heartbeat"))
        for extension in discover_extensions():
            await self.load_extension(extension)
        await self.tree.set_translator(CatalogueTranslator(self.catalogue))
        self.scheduler.start()
        await self.sync_commands_if_changed()

    async def command_tree_hash(self, guild: discord.abc.Snowflake) -> str:
        """A stable hash of exactly what a sync would send for ``guild`` (translations included)."""
        translator = self.tree.translator
        assert translator is not None
        payload = [
            await command.get_translated_payload(self.tree, translator)
            for command in self.tree.get_commands(guild=guild)
        ]
        payload.sort(key=lambda command: str(command.get("name")))
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    async def sync_commands_if_changed(self) -> bool:
        """Sync the tree to the configured guild only when it differs from the last sync (200 creates/day)."""
        guild = discord.Object(self.config.discord.guild_id)
        self.tree.copy_global_to(guild=guild)
        application_id = self.application_id
        assert application_id is not None, "setup_hook runs after login, which sets the application id"
        tree_hash = await self.command_tree_hash(guild)
        if await command_sync.synced_tree_hash(self.db, application_id, guild.id) == tree_hash:
            log.info("commands unchanged, not syncing", extra={"guild_id": guild.id})
            return False
        try:
            synced = await self.tree.sync(guild=guild)
        except (discord.Forbidden, discord.NotFound):
            raise ConfigError(
                "discord.guild_id",
                f"the bot is not in server {guild.id}, or may not create slash commands there.",
                "Check the id, and invite the bot with the link in the README (it includes the applications.commands "
                "scope).",
            ) from None
        await command_sync.record_tree_sync(self.db, application_id, guild.id, tree_hash, self.clock())
        log.info("commands synced", extra={"guild_id": guild.id, "commands": len(synced)})
        return True

    async def on_ready(self) -> None:
        if self._guild_checked:
            return
        self._guild_checked = True
        await self._drop_settings_for_missing_channels()
        try:
            self.check_guild_setup()
        except ConfigError as error:
            self.startup_error = error
            log.error("configuration does not match the server", extra={"key": error.key, "problem": error.problem})
            await self.close()
            return
        log.info(
            "ready",
            extra={"user_id": self.user.id if self.user else None, "guild_id": self.config.discord.guild_id},
        )
        # The one start-up signal: the server matches the config. Every feature's start-up work listens to it.
        self.dispatch("network_ready")

    async def _drop_settings_for_missing_channels(self) -> None:
        """A channel or role chosen with /settings and deleted since falls back to the config file's, so the bot
        still starts; the organisers are told which."""
        guild = self.get_guild(self.config.discord.guild_id)
        if guild is None:
            return
        missing = [
            key
            for key in SettingKey
            if key.needs_manage_server
            and self.settings.changed_in_discord(key) is not None
            and (guild.get_role if key is SettingKey.ORGANISER_ROLE else guild.get_channel)(
                current_value(self.config, key)
            )
            is None
        ]
        if not missing:
            return
        assert self.user is not None
        changes = await self.settings.change(dict.fromkeys(missing), self.user.id)
        log.warning("settings for deleted channels or roles dropped", extra={"keys": [key.value for key in missing]})
        for change in changes:
            assert change.old is not None  # it was set in Discord
            await self.notify_organisers(
                self.public_text(
                    "settings.dropped_missing",
                    setting=self.public_text(f"settings.key.{change.key.value}"),
                    old=readable(change.key, change.old),
                    new=readable(change.key, change.new) if change.new else self.public_text("settings.unset"),
                )
            )

    def check_guild_setup(self) -> None:
        """The configured server, channels and role must exist; missing channel permissions are logged."""
        ids = self.config.discord
        guild = self.get_guild(ids.guild_id)
        if guild is None:
            raise ConfigError(
                "discord.guild_id",
                f"the bot is not a member of a server with id {ids.guild_id}.",
                "Check the id, or invite the bot to the server with the link described in the README.",
            )
        for key, channel_id in (
            ("discord.announcements_channel_id", ids.announcements_channel_id),
            ("discord.organisers_channel_id", ids.organisers_channel_id),
        ):
            channel = guild.get_channel(channel_id)
            if not isinstance(channel, discord.TextChannel):
                raise ConfigError(
                    key,
                    f"there is no text channel with id {channel_id} in the server '{guild.name}'.",
                    "Right-click the channel in Discord, choose 'Copy Channel ID' and put that number here.",
                )
            missing = [name for name in _CHANNEL_PERMISSIONS if not getattr(channel.permissions_for(guild.me), name)]
            if missing:
                log.warning("missing channel permissions", extra={"key": key, "missing": missing})
        if guild.get_role(ids.organiser_role_id) is None:
            raise ConfigError(
                "discord.organiser_role_id",
                f"there is no role with id {ids.organiser_role_id} in the server '{guild.name}'.",
                "Open Server Settings → Roles, right-click the organisers' role, choose 'Copy Role ID'.",
            )

    async def _beat(self) -> None:
        """Tell `python -m bot status` that this bot is alive (a hung loop stops beating). A beat still waiting on
        the database is not joined by the next: the timer starts one a minute whatever happens, so beats would pile
        up."""
        if self._beating:
            return
        self._beating = True
        try:
            await health.beat(self.db, os.getpid(), self._started_at, self.clock())
        finally:
            self._beating = False

    # -- shutdown ----------------------------------------------------------------------------------------------------

    async def close(self) -> None:
        self.timers.stop()
        await self.rounds.stop()  # an unfinished round stays "sending" and resumes at the next start
        await self._finish_event_handlers()
        await self.tasks.close()
        await super().close()
        await self.db.close()
        self.instance_lock.release()
        log.info("stopped")

    async def _finish_event_handlers(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Let handlers already running (a reaction being recorded) finish before the database closes."""
        current = asyncio.current_task()
        running = [
            task
            for task in asyncio.all_tasks()
            if task is not current and not task.done() and task.get_name().startswith(_EVENT_TASK_PREFIX)
        ]
        if running:
            _, unfinished = await asyncio.wait(running, timeout=grace)
            if unfinished:
                log.warning("event handlers still running at shutdown", extra={"count": len(unfinished)})

    # -- helpers for cogs -------------------------------------------------------------------------------------------

    def language_of(self, interaction: discord.Interaction[Any]) -> Language:
        """The member's client language (da / en-*), else the network's."""
        return language_for_locale(interaction.locale, self.config.network.language)

    def text_for(self, interaction: discord.Interaction[Any], key: str, /, **params: object) -> str:
        return self.catalogue.text(self.language_of(interaction), key, **params)

    def public_text(self, key: str, /, **params: object) -> str:
        """Text for public posts, in the network's language."""
        return self.catalogue.text(self.config.network.language, key, **params)

    async def notify_organisers(self, content: str, *, channel_id: int | None = None) -> None:
        """A line in the organisers' channel (never pings), best effort: a failure is logged, never raised, and nothing
        retries it. For audit lines beside a command's own answer; a round's notice goes through
        ``RoundHandler.tell_organisers``, which is sent exactly once or retried."""
        channel = self.get_partial_messageable(
            channel_id or self.config.discord.organisers_channel_id, guild_id=self.config.discord.guild_id
        )
        try:
            await channel.send(content, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException:
            log.warning("could not notify organisers", exc_info=True)

    async def reply_ephemeral(self, interaction: discord.Interaction[Any], content: str) -> None:
        """Answer privately, whether or not the interaction was already answered or deferred."""
        try:
            if interaction.response.is_done():
                await interaction.followup.send(content, ephemeral=True)
            else:
                await interaction.response.send_message(content, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not answer interaction", exc_info=True, extra={"interaction_id": interaction.id})
