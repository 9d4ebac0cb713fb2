"""What members see, as plain data: the rules of presentation, independent of Discord's classes.

Cogs turn a :class:`Card` into an embed; tests read cards directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.config import Language
from bot.feedback import format_average
from bot.i18n import Catalogue, msgkey
from bot.meetings import Meeting, MeetingFormat, MeetingStatus
from bot.program import SlotKind
from bot.rsvp import Guest, Roster, seats_free

# Embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELD_VALUE_MAX = 1024
MESSAGE_CONTENT_MAX = 2000  # a message's text (https://discord.com/developers/docs/resources/message#create-message)
# A guest's line in the member's own list, clipped: a name and a business are 80 + 100 characters as stored, and a
# full list of guests (rsvp.GUESTS_PER_MEMBER_MAX) then fits one message with the answer above it.
GUEST_LINE_MAX = 80

FORMAT_KEYS = {
    MeetingFormat.TOOLS: msgkey("meeting.format.tools"),
    MeetingFormat.GROWTH: msgkey("meeting.format.growth"),
}
PROGRAM_KEYS = {
    SlotKind.HOT_SEAT: msgkey("announcement.program_hot_seat"),
    SlotKind.BRAG_SPOT: msgkey("announcement.program_brag_spot"),
    SlotKind.INTRO: msgkey("announcement.program_intro"),
}
# Day and month names as the Unicode CLDR writes them in Danish and British English, the bot's two languages. A table
# rather than Babel: its locale data for these few names cost the bot ~6 MiB of memory (2 at start, 4 more with the
# first Danish date).
_WEEKDAYS: dict[Language, tuple[str, ...]] = {
    "da": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS: dict[Language, tuple[str, ...]] = {
    "da": (
        "januar", "februar", "marts", "april", "maj", "juni",
        "juli", "august", "september", "oktober", "november", "december",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip
_SHORT_MONTHS: dict[Language, tuple[str, ...]] = {
    "da": ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"),
}
_DAY_AND_MONTH = {"da": "{day}. {month}", "en": "{day} {month}"}
_DECIMAL_MARK = {"da": ",", "en": "."}


@dataclass(frozen=True, slots=True)
class CardField:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class ProgramEntry:
    """One confirmed slot of the program: a hot seat, brag spot or newcomer intro."""

    kind: SlotKind
    name: str
    topic: str | None = None


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


# What Discord reads as formatting in member text: anywhere in a line, emphasis, code and spoilers, and [ and ] of a
# masked link ("[Pay dues](https://…)" shows only "Pay dues"); at the start of a line, a heading (#), subtext (-#), a
# list (-) or a quote (>). A web address, bare or in angle brackets, shows itself and hides nothing: it is left whole
# (an escape inside it would break it), and so are <…> mentions and custom emoji (pings are stopped where text is
# stored and by allowed_mentions).
_MEMBER_MARKDOWN = re.compile(
    r"(?P<url>https?://[^\s<\[\]]+)|(?P<inline>[\\*_~|`\[\]])|^(?P<indent>[ \t]*)(?P<line>[#>-])", re.MULTILINE
)


def plain(text: str) -> str:
    """Member text (a name, a business, a topic, a comment) inside the bot's own formatting: shown as typed, never
    as formatting, a masked link or a heading. Each such character gets a backslash, which Discord does not show."""

    def escaped(match: re.Match[str]) -> str:
        if match["url"]:
            return match["url"]
        if match["inline"]:
            return "\\" + match["inline"]
        return match["indent"] + "\\" + match["line"]

    return _MEMBER_MARKDOWN.sub(escaped, text)


def local_date(instant: datetime, language: Language) -> str:
    """A date as people write it in ``language`` ("tirsdag 1. december 2026"); ``instant`` is in local time."""
    day_and_month = _DAY_AND_MONTH[language].format(day=instant.day, month=_MONTHS[language][instant.month - 1])
    return f"{_WEEKDAYS[language][instant.weekday()]} {day_and_month} {instant.year}"


def one_decimal(value: float | None, language: Language) -> str:
    """A rating average as people write it: "4,3" in Danish, "4.3" in English; "—" when there is none."""
    # format_average rounds halves up as people expect; only the decimal mark is the language's.
    return format_average(value).replace(".", _DECIMAL_MARK[language])


def short_date(instant: datetime, language: Language) -> str:
    """A short date for chart labels ("1. dec.", "1 Dec"); ``instant`` is in local time."""
    return _DAY_AND_MONTH[language].format(day=instant.day, month=_SHORT_MONTHS[language][instant.month - 1])


def local_month(month: date, language: Language) -> str:
    """A month as people write it in ``language`` ("december 2026", "December 2026")."""
    return f"{_MONTHS[language][month.month - 1]} {month.year}"


def discord_timestamp(instant: datetime, style: str) -> str:
    """Discord renders ``<t:epoch:style>`` in each viewer's own time zone and language."""
    return f"<t:{int(instant.timestamp())}:{style}>"


def message_url(guild_id: int, channel_id: int, message_id: int) -> str:
    """The link that opens a message in Discord."""
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def meeting_label(meeting: Meeting, language: Language, catalogue: Catalogue) -> str:
    """A meeting named in one line (option lists, DMs, replies): "tirsdag 1. december 2026 17:30 · 2.0 · topic"."""
    format_name = catalogue.text(language, FORMAT_KEYS[meeting.format])
    label = f"{local_date(meeting.local_start, language)} {meeting.local_start:%H:%M} · {format_name}"
    if meeting.topic:
        label += f" · {meeting.topic}"
    return clip(label, 100)


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


def names_within(
    names: Sequence[str], limit: int, more: Callable[[int], str], *, separator: str = ", ", before_more: str = " "
) -> str:
    """Names joined by ``separator`` that fit in ``limit`` characters; the rest become ``more(n)`` ("+12 more")."""
    if not names:
        return "—"
    shown: list[str] = []
    for index, name in enumerate(names):
        rest = len(names) - index - 1
        candidate = separator.join([*shown, name])
        tail = f"{before_more}{more(rest)}" if rest else ""
        if len(candidate) + len(tail) > limit:
            hidden = len(names) - len(shown)
            return f"{separator.join(shown)}{before_more}{more(hidden)}" if shown else more(hidden)
        shown.append(name)
    return separator.join(shown)


def guest_list(guests: Sequence[Guest], notice: str | None, language: Language, catalogue: Catalogue) -> str:
    """A member's own guests for a meeting, one line each, under ``notice`` (what just happened). Always one message:
    each line is clipped, and guests beyond the room are counted ("+3 more"); the notice (a line naming one guest)
    gets a quarter of the message at most."""
    head = f"{clip(notice, MESSAGE_CONTENT_MAX // 4)}\n\n" if notice else ""
    if not guests:
        return head + catalogue.text(language, "guests.none")
    lines = [
        clip(f"• {plain(guest.name)}" + (f" ({plain(guest.business)})" if guest.business else ""), GUEST_LINE_MAX)
        for guest in guests
    ]
    room = MESSAGE_CONTENT_MAX - len(head) - len(catalogue.text(language, "guests.yours", guests=""))
    listing = names_within(
        lines,
        room,
        lambda count: catalogue.plural(language, "announcement.more", count),
        separator="\n",
        before_more="\n",
    )
    return head + catalogue.text(language, "guests.yours", guests=listing)


def announcement_card(
    meeting: Meeting,
    roster: Roster,
    program: Sequence[ProgramEntry],
    language: Language,
    catalogue: Catalogue,
    wanted_topics: Sequence[str] = (),
) -> Card:
    """The announcement: the meeting, its program, seats and who is coming."""
    text = catalogue.text
    base = meeting_card(meeting, language, catalogue)
    fields = list(base.fields)
    if program:
        lines = [
            text(language, PROGRAM_KEYS[entry.kind], name=plain(entry.name))
            + (f" — {plain(entry.topic)}" if entry.topic else "")
            for entry in program
        ]
        fields.append(CardField(text(language, "announcement.program"), clip("\n".join(lines), EMBED_FIELD_VALUE_MAX)))
    if wanted_topics:
        listing = "\n".join(f"• {plain(topic)}" for topic in wanted_topics)
        fields.append(CardField(text(language, "announcement.wanted_topics"), clip(listing, EMBED_FIELD_VALUE_MAX)))
    if meeting.capacity is not None:
        free = seats_free(meeting.capacity, roster.seats_taken) or 0
        seats = text(
            language, "announcement.seats_value", taken=roster.seats_taken, capacity=meeting.capacity, free=free
        )
        if roster.waiting:
            seats += "\n" + text(language, "announcement.waiting_value", count=len(roster.waiting))
        fields.append(CardField(text(language, "announcement.seats"), seats, True))

    def more(count: int) -> str:
        return catalogue.plural(language, "announcement.more", count)

    going_title = text(language, "announcement.going", count=len(roster.going))
    if roster.guests:
        going_title += " " + catalogue.plural(language, "announcement.guests", len(roster.guests))
    going_names = [plain(attendee.name) for attendee in roster.going]
    fields.append(CardField(going_title, names_within(going_names, EMBED_FIELD_VALUE_MAX, more)))
    if roster.maybe:
        maybe_names = [plain(attendee.name) for attendee in roster.maybe]
        fields.append(
            CardField(
                text(language, "announcement.maybe", count=len(roster.maybe)),
                names_within(maybe_names, EMBED_FIELD_VALUE_MAX, more),
            )
        )
    footer = text(language, "announcement.how_to_answer", not_going=len(roster.not_going))
    title = base.title
    description = base.description
    if meeting.status is MeetingStatus.CANCELLED:
        title = clip(text(language, "announcement.cancelled_title", title=title), EMBED_TITLE_MAX)
        reason = meeting.cancel_reason or text(language, "announcement.no_reason")
        description = clip(text(language, "announcement.cancelled_description", reason=reason), EMBED_DESCRIPTION_MAX)
        footer = text(language, "announcement.cancelled_footer")
    return Card(title=title, description=description, fields=tuple(fields), footer=footer)


def reminder_card(
    meeting: Meeting,
    roster: Roster,
    program: Sequence[ProgramEntry],
    when: str,
    late: bool,
    url: str | None,
    language: Language,
    catalogue: Catalogue,
) -> Card:
    """The reminder post: when (in words and as a Discord timestamp), where, the program, who is coming, the link."""
    text = catalogue.text
    base = meeting_card(meeting, language, catalogue)
    lead = text(
        language,
        "reminder.lead",
        when=when,
        full=discord_timestamp(meeting.starts_at, "F"),
        relative=discord_timestamp(meeting.starts_at, "R"),
    )
    if late:
        lead = f"{text(language, 'reminder.late')}\n{lead}"
    fields = list(base.fields)
    if program:
        lines = [text(language, PROGRAM_KEYS[entry.kind], name=plain(entry.name)) for entry in program]
        fields.append(CardField(text(language, "announcement.program"), clip("\n".join(lines), EMBED_FIELD_VALUE_MAX)))
    counts = text(language, "reminder.counts", going=len(roster.going) + len(roster.guests), maybe=len(roster.maybe))
    fields.append(CardField(text(language, "reminder.answers"), counts, True))
    if url:
        fields.append(CardField(text(language, "reminder.answer_here"), url, True))
    return Card(
        title=clip(text(language, "reminder.title", title=base.title), EMBED_TITLE_MAX),
        description=clip(lead, EMBED_DESCRIPTION_MAX),
        fields=tuple(fields),
    )
