"""Expected failures: each carries a catalogue key, so the error handler can answer in the member's language."""

from __future__ import annotations

from discord import app_commands

from bot.i18n import msgkey


class UserFacingError(app_commands.AppCommandError):
    """A failure the member can understand and act on; ``key`` names its text in the catalogue."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class NotOrganiserError(UserFacingError, app_commands.CheckFailure):
    """A member without the organiser role or Manage Server tried an organiser command."""

    def __init__(self) -> None:
        super().__init__(msgkey("errors.not_organiser"))


class GuildOnlyError(UserFacingError, app_commands.CheckFailure):
    """A command that needs the network's server was used in a DM or another server."""

    def __init__(self) -> None:
        super().__init__(msgkey("errors.guild_only"))
