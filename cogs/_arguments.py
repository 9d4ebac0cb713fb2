"""The meeting argument of every command: one Transformer family turns the option into a :class:`Meeting`,
autocompletes it and refuses it in the member's language (discord.py's ``examples/app_commands/transformers.py``).

Which meetings a command takes is one rule in :func:`bot.meetings.closed_reason`; these classes only say which
window applies and which meetings to offer while the member types.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.app_commands import Choice

from bot.client import MikroVirkBot
from bot.errors import UserFacingError
from bot.meetings import Meeting, MeetingFormat, Window, closed_reason
from bot.render import clip, meeting_label
from db import meetings

# Discord shows at most 25 autocomplete choices.
MAX_CHOICES = 25


class MeetingArgument(app_commands.Transformer):
    """A meeting named by its id (what the autocomplete puts in the option)."""

    window: ClassVar[Window] = Window.BEFORE_END

    async def candidates(self, bot: MikroVirkBot, now: datetime) -> list[Meeting]:
        return await meetings.coming_meetings(bot.db, bot.config.discord.guild_id, now)

    async def transform(self, interaction: discord.Interaction[Any], value: str, /) -> Meeting:
        bot: MikroVirkBot = interaction.client
        typed = value.strip()
        meeting = (
            await meetings.get_meeting(bot.db, bot.config.discord.guild_id, int(typed)) if typed.isdigit() else None
        )
        if meeting is None:
            raise UserFacingError("meeting.errors.unknown_meeting", typed=clip(value, 50))
        refusal = closed_reason(meeting, bot.clock(), self.window)
        if refusal is not None:
            raise UserFacingError(refusal, title=meeting_label(meeting, bot.language_of(interaction), bot.catalogue))
        return meeting

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], value: str, /
    ) -> list[Choice[str]]:
        bot: MikroVirkBot = interaction.client
        language = bot.language_of(interaction)
        wanted = value.strip().lower()
        labels = [(m, meeting_label(m, language, bot.catalogue)) for m in await self.candidates(bot, bot.clock())]
        return [Choice(name=label, value=str(m.id)) for m, label in labels if wanted in label.lower()][:MAX_CHOICES]


class ComingMeeting(MeetingArgument):
    """Planned and not over: what organisers change, remind about, or plan a topic for."""


class AnyMeeting(MeetingArgument):
    """Any meeting (attendees, check-ins, the program); coming ones are offered."""

    window = Window.ANY


class PastMeeting(MeetingArgument):
    """A meeting that has begun (its feedback results); recent ones are offered."""

    window = Window.STARTED

    async def candidates(self, bot: MikroVirkBot, now: datetime) -> list[Meeting]:
        return await meetings.recent_meetings(bot.db, bot.config.discord.guild_id, now)


class FormatMeeting(MeetingArgument):
    """A meeting of one format for members' sign-ups; the command itself explains why another one will not do."""

    window = Window.ANY
    format: ClassVar[MeetingFormat]

    async def candidates(self, bot: MikroVirkBot, now: datetime) -> list[Meeting]:
        coming = await meetings.coming_meetings(bot.db, bot.config.discord.guild_id, now)
        return [m for m in coming if m.format is self.format and m.starts_at > now]


class GrowthMeeting(FormatMeeting):
    format = MeetingFormat.GROWTH


class ToolsMeeting(FormatMeeting):
    format = MeetingFormat.TOOLS
