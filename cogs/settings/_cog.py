"""``/settings``: organisers change channels, role, network details and reminder timing from Discord, no restart.

The rules (which settings exist, how their text is read, how they override the file) live in :mod:`bot.settings`;
the bot's :class:`~bot.services.settings.ServerSettings` stores and applies them. This cog checks who may change
what and whether the bot can use a chosen channel, then answers and writes the audit line.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Choice, Range
from discord.ext import commands

from bot.checks import organiser_only
from bot.client import MikroVirkBot
from bot.config import Language
from bot.errors import UserFacingError
from bot.i18n import msgkey
from bot.settings import SettingChange, SettingKey, SettingProblem, SettingValueError, parse_setting, readable
from bot.translator import command_text

# What the bot must be able to do in each channel it posts in; reactions and history only where members answer.
_POSTING = ("view_channel", "send_messages", "embed_links")
_ANSWERING = (*_POSTING, "add_reactions", "read_message_history")
_NEEDED_IN: dict[SettingKey, tuple[str, ...]] = {
    SettingKey.ANNOUNCEMENTS_CHANNEL: _ANSWERING,
    SettingKey.ORGANISERS_CHANNEL: _POSTING,
    SettingKey.TOPICS_CHANNEL: _ANSWERING,
}
_PROBLEM_KEYS = {
    SettingProblem.UNKNOWN_TIMEZONE: msgkey("settings.errors.unknown_timezone"),
    SettingProblem.BAD_OFFSET: msgkey("settings.errors.bad_offset"),
    SettingProblem.OFFSET_RANGE: msgkey("settings.errors.offset_range"),
    SettingProblem.DUPLICATE_OFFSET: msgkey("settings.errors.duplicate_offset"),
    SettingProblem.TOO_MANY_OFFSETS: msgkey("settings.errors.too_many_offsets"),
    SettingProblem.NO_OFFSETS: msgkey("settings.errors.no_offsets"),
    SettingProblem.BAD_TIME: msgkey("settings.errors.bad_time"),
    SettingProblem.BAD_DAY: msgkey("settings.errors.bad_day"),
    SettingProblem.BAD_LANGUAGE: msgkey("settings.errors.bad_language"),
    SettingProblem.EMPTY_TEXT: msgkey("settings.errors.empty_text"),
    SettingProblem.TOO_LONG: msgkey("settings.errors.too_long"),
}
LANGUAGE_CHOICES = [
    Choice(name=command_text("settings.language.da"), value="da"),
    Choice(name=command_text("settings.language.en"), value="en"),
]
KEY_CHOICES = [Choice(name=command_text(f"settings.key.{key.value}"), value=key.value) for key in SettingKey]
MAX_TIMEZONE_CHOICES = 25


@cache
def _timezones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def _setting_name(bot: MikroVirkBot, language: Language, key: SettingKey) -> str:
    return bot.catalogue.text(language, f"settings.key.{key.value}")


def _shown(bot: MikroVirkBot, language: Language, key: SettingKey, value: str | None) -> str:
    return bot.catalogue.text(language, "settings.unset") if value is None else readable(key, value)


def _parsed(key: SettingKey, text: str) -> Any:
    try:
        return parse_setting(key, text)
    except SettingValueError as error:
        raise UserFacingError(_PROBLEM_KEYS[error.problem], typed=error.text) from None


class Settings(commands.Cog):
    settings_group = app_commands.Group(
        name="settings", description=command_text("cmd.settings.description"), guild_only=True
    )

    def __init__(self, bot: MikroVirkBot) -> None:
        self.bot = bot

    # -- commands ---------------------------------------------------------------------------------------------------

    @settings_group.command(name="show", description=command_text("cmd.settings.show.description"))
    @organiser_only()
    async def show(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        bot = self.bot
        language = bot.language_of(interaction)
        lines = []
        for key in SettingKey:
            stored = bot.settings.changed_in_discord(key)
            source = (
                bot.catalogue.text(language, "settings.source_file")
                if stored is None
                else bot.catalogue.text(
                    language,
                    "settings.source_discord",
                    user=f"<@{stored.changed_by}>",
                    when=discord.utils.format_dt(stored.changed_at, "d"),
                )
            )
            value = _shown(bot, language, key, bot.settings.shown(key))
            lines.append(f"**{_setting_name(bot, language, key)}**: {value} · {source}")
        embed = discord.Embed(
            title=bot.catalogue.text(language, "settings.title"),
            description="\n".join(lines) + "\n\n" + bot.catalogue.text(language, "settings.how"),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @settings_group.command(name="channels", description=command_text("cmd.settings.channels.description"))
    @app_commands.describe(
        announcements=command_text("cmd.settings.option_announcements"),
        organisers=command_text("cmd.settings.option_organisers"),
        topics=command_text("cmd.settings.option_topics"),
    )
    @organiser_only()
    async def channels(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        announcements: discord.TextChannel | None = None,
        organisers: discord.TextChannel | None = None,
        topics: discord.TextChannel | None = None,
    ) -> None:
        self._require_manage_server(interaction)
        chosen = {
            SettingKey.ANNOUNCEMENTS_CHANNEL: announcements,
            SettingKey.ORGANISERS_CHANNEL: organisers,
            SettingKey.TOPICS_CHANNEL: topics,
        }
        values: dict[SettingKey, Any] = {}
        for key, channel in chosen.items():
            if channel is not None:
                self._require_usable(interaction, key, channel.id)
                values[key] = channel.id
        await self._apply(interaction, values)

    @settings_group.command(name="role", description=command_text("cmd.settings.role.description"))
    @app_commands.describe(role=command_text("cmd.settings.option_role"))
    @organiser_only()
    async def role(self, interaction: discord.Interaction[MikroVirkBot], role: discord.Role) -> None:
        self._require_manage_server(interaction)
        if role.is_default() or role.managed:
            raise UserFacingError(msgkey("settings.errors.role_not_assignable"), role=role.mention)
        await self._apply(interaction, {SettingKey.ORGANISER_ROLE: role.id})

    @settings_group.command(name="network", description=command_text("cmd.settings.network.description"))
    @app_commands.describe(
        name=command_text("cmd.settings.option_name"),
        language=command_text("cmd.settings.option_language"),
        venue=command_text("cmd.settings.option_venue"),
        start=command_text("cmd.settings.option_start"),
        timezone=command_text("cmd.settings.option_timezone"),
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    @organiser_only()
    async def network(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        name: Range[str, 1, 100] | None = None,
        language: Choice[str] | None = None,
        venue: Range[str, 1, 200] | None = None,
        start: Range[str, 1, 10] | None = None,
        timezone: Range[str, 1, 64] | None = None,
    ) -> None:
        typed = {
            SettingKey.NETWORK_NAME: name,
            SettingKey.LANGUAGE: language.value if language else None,
            SettingKey.VENUE: venue,
            SettingKey.START: start,
            SettingKey.TIMEZONE: timezone,
        }
        await self._apply(interaction, {key: _parsed(key, text) for key, text in typed.items() if text is not None})

    @network.autocomplete("timezone")
    async def timezone_choices(self, interaction: discord.Interaction[MikroVirkBot], current: str) -> list[Choice[str]]:
        wanted = current.strip().lower()
        matches = [name for name in _timezones() if wanted in name.lower()]
        return [Choice(name=name, value=name) for name in matches[:MAX_TIMEZONE_CHOICES]]

    @settings_group.command(name="reminders", description=command_text("cmd.settings.reminders.description"))
    @app_commands.describe(
        offsets=command_text("cmd.settings.option_offsets"),
        monthly_day=command_text("cmd.settings.option_monthly_day"),
        monthly_time=command_text("cmd.settings.option_monthly_time"),
    )
    @organiser_only()
    async def reminders(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        offsets: Range[str, 1, 60] | None = None,
        monthly_day: Range[int, 1, 28] | None = None,
        monthly_time: Range[str, 1, 10] | None = None,
    ) -> None:
        typed = {
            SettingKey.REMINDER_OFFSETS: offsets,
            SettingKey.MONTHLY_DAY: None if monthly_day is None else str(monthly_day),
            SettingKey.MONTHLY_TIME: monthly_time,
        }
        await self._apply(interaction, {key: _parsed(key, text) for key, text in typed.items() if text is not None})

    @settings_group.command(name="privacy", description=command_text("cmd.settings.privacy.description"))
    @app_commands.describe(
        controller=command_text("cmd.settings.option_controller"),
        contact=command_text("cmd.settings.option_contact"),
    )
    @organiser_only()
    async def privacy(
        self,
        interaction: discord.Interaction[MikroVirkBot],
        controller: Range[str, 1, 200] | None = None,
        contact: Range[str, 1, 200] | None = None,
    ) -> None:
        typed = {SettingKey.PRIVACY_CONTROLLER: controller, SettingKey.PRIVACY_CONTACT: contact}
        await self._apply(interaction, {key: _parsed(key, text) for key, text in typed.items() if text is not None})

    @settings_group.command(name="reset", description=command_text("cmd.settings.reset.description"))
    @app_commands.describe(key=command_text("cmd.settings.option_key"))
    @app_commands.choices(key=KEY_CHOICES)
    @organiser_only()
    async def reset(self, interaction: discord.Interaction[MikroVirkBot], key: Choice[str]) -> None:
        setting = SettingKey(key.value)
        if setting.needs_manage_server:
            self._require_manage_server(interaction)
        if self.bot.settings.changed_in_discord(setting) is None:
            language = self.bot.language_of(interaction)
            raise UserFacingError(
                msgkey("settings.errors.not_changed"), setting=_setting_name(self.bot, language, setting)
            )
        await self._apply(interaction, {setting: None})

    # -- the shared path --------------------------------------------------------------------------------------------

    def _require_manage_server(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        member = interaction.user
        if not isinstance(member, discord.Member) or not member.guild_permissions.manage_guild:
            raise UserFacingError(msgkey("settings.errors.needs_manage_server"))

    def _require_usable(self, interaction: discord.Interaction[MikroVirkBot], key: SettingKey, channel_id: int) -> None:
        """The bot must be able to post (and, where members answer, react and read) in a chosen channel."""
        guild = self.bot.get_guild(self.bot.config.discord.guild_id)
        channel = guild.get_channel(channel_id) if guild else None
        if guild is None or not isinstance(channel, discord.TextChannel):
            raise UserFacingError(msgkey("settings.errors.not_a_text_channel"), channel=f"<#{channel_id}>")
        allowed = channel.permissions_for(guild.me)
        missing = [name for name in _NEEDED_IN[key] if not getattr(allowed, name)]
        if missing:
            raise UserFacingError(
                msgkey("settings.errors.channel_permissions"),
                channel=channel.mention,
                permissions=", ".join(self.bot.text_for(interaction, f"permission.{name}") for name in missing),
            )

    async def _apply(self, interaction: discord.Interaction[MikroVirkBot], values: dict[SettingKey, Any]) -> None:
        bot = self.bot
        language = bot.language_of(interaction)
        if not values:
            raise UserFacingError(msgkey("settings.errors.nothing_given"))
        old_organisers = bot.config.discord.organisers_channel_id
        changes = await bot.settings.change(values, interaction.user.id)
        if not changes:
            await interaction.response.send_message(bot.text_for(interaction, "settings.unchanged"), ephemeral=True)
            return
        lines = [self._change_line(language, change) for change in changes]
        await interaction.response.send_message(
            bot.catalogue.text(language, "settings.changed") + "\n" + "\n".join(lines), ephemeral=True
        )
        public = bot.config.network.language
        audit = "\n".join(
            bot.catalogue.text(
                public, "settings.audit", user=interaction.user.mention, change=self._change_line(public, change)
            )
            for change in changes
        )
        await bot.notify_organisers(audit)
        if bot.config.discord.organisers_channel_id != old_organisers:
            # The old channel's readers learn where the organisers' notices go from now on.
            await bot.notify_organisers(audit, channel_id=old_organisers)

    def _change_line(self, language: Language, change: SettingChange) -> str:
        bot = self.bot
        return bot.catalogue.text(
            language,
            "settings.change",
            setting=_setting_name(bot, language, change.key),
            old=_shown(bot, language, change.key, change.old),
            new=_shown(bot, language, change.key, change.new),
        )
