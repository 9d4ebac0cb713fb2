"""What members see, as plain data: the rules of presentation, independent of Discord's classes.

Cogs turn a :class:`Card` into an embed; tests read cards directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from babel.dates import format_datetime

from bot.config import Language
from bot.i18n import Catalogue, msgkey
from bot.meetings import Meeting, MeetingFormat

# Embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024

FORMAT_KEYS = {
    MeetingFormat.TOOLS: msgkey("meeting.format.tools"),
    MeetingFormat.GROWTH: msgkey("meeting.format.growth"),
}
_BABEL_LOCALE = {"da": "da_DK", "en": "en_GB"}
_DATE_PATTERN = {"da": "EEEE d. MMMM y", "en": "EEEE d MMMM y"}


@dataclass(frozen=True, slots=True)
class CardField:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Card:
    """An embed's content: title, description and fields, each within Discord's limits."""

    title: str
    description: str = ""
    fields: tuple[CardField, ...] = field(default_factory=tuple)
    footer: str | None = None


def clip(text: str, limit: int) -> str:
    """Shorten ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def local_date(instant: datetime, language: Language) -> str:
    """A date as people write it in ``language`` ("tirsdag 1. december 2026")."""
    return format_datetime(instant, _DATE_PATTERN[language], locale=_BABEL_LOCALE[language])


def discord_timestamp(instant: datetime, style: str) -> str:
    """Discord renders ``<t:epoch:style>`` in each viewer's own time zone and language."""
    return f"<t:{int(instant.timestamp())}:{style}>"


def meeting_card(meeting: Meeting, language: Language, catalogue: Catalogue) -> Card:
    """The essentials of a meeting: format and date, when (local to each viewer), where, the talk."""
    text = catalogue.text
    format_name = text(language, FORMAT_KEYS[meeting.format])
    title = text(language, "meeting.card.title", format=format_name, date=local_date(meeting.local_start, language))
    when = text(
        language,
        "meeting.card.when",
        full=discord_timestamp(meeting.starts_at, "F"),
        relative=discord_timestamp(meeting.starts_at, "R"),
    )
    fields = [CardField(text(language, "meeting.card.venue"), clip(meeting.venue, EMBED_FIELD_VALUE_MAX), True)]
    if meeting.topic:
        talk = (
            meeting.topic
            if not meeting.speaker
            else text(language, "meeting.card.talk_by", topic=meeting.topic, speaker=meeting.speaker)
        )
        fields.append(CardField(text(language, "meeting.card.talk"), clip(talk, EMBED_FIELD_VALUE_MAX)))
    elif meeting.speaker:
        fields.append(CardField(text(language, "meeting.card.speaker"), clip(meeting.speaker, EMBED_FIELD_VALUE_MAX)))
    description = when if not meeting.description else f"{when}\n\n{meeting.description}"
    return Card(
        title=clip(title, EMBED_TITLE_MAX),
        description=clip(description, EMBED_DESCRIPTION_MAX),
        fields=tuple(fields),
    )
