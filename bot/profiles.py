"""Members' business profiles as plain data: the trades, what a profile may hold, and how it reads. No Discord here.

A profile is opt-in and shown only inside the server. Members' texts never ping anyone: ``@everyone``, ``@here`` and
mentions are made harmless with a zero-width space before they are stored, and every post goes out with mentions
off as well.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from bot.config import LANGUAGES, Language
from bot.i18n import Catalogue, msgkey
from bot.matching import Candidate, Reason, Suggestion, Why, matches_search
from bot.render import EMBED_DESCRIPTION_MAX, EMBED_TITLE_MAX, Card, CardField, clip, discord_timestamp, plain
from bot.rsvp import RsvpState

# The member's own words for a trade that is not on the list.
OTHER = "other"
# Micro-businesses across all trades; names in the catalogue (profiles.trade.<key>), "other" is always offered last.
DEFAULT_TRADES = (
    "bookkeeping", "crafts", "it", "design", "consulting", "retail",
    "food", "health", "tourism", "construction", "marketing",
)  # fmt: skip
# What a profile may hold. Discord's modal enforces these too; the bot checks again.
BUSINESS_MAX = 80
TEXT_MAX = 300  # what I offer, what I am looking for
WEBSITE_MAX = 200
TOWN_MAX = 60
TRADE_MAX = 40  # a trade's name: the list's or the member's own
PAGE_SIZE = 10  # businesses per page of /directory
_OFFER_PREVIEW = 140  # characters of the offer shown in a directory line

_ZERO_WIDTH_SPACE = "\u200b"
_EVERYONE = re.compile(r"@(?=(?:everyone|here)\b)", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
# Danish alphabetical order puts æ, ø, å after z.
_DANISH_ORDER = str.maketrans({"æ": "z{", "ø": "z|", "å": "z}"})

NEXT_ANSWER_KEYS = {
    None: msgkey("profiles.card.next_none"),
    RsvpState.GOING: msgkey("profiles.card.next_going"),
    RsvpState.MAYBE: msgkey("profiles.card.next_maybe"),
    RsvpState.NOT_GOING: msgkey("profiles.card.next_not_going"),
    RsvpState.WAITING: msgkey("profiles.card.next_waiting"),
}
REASON_KEYS = {
    Why.THEY_SEEK: msgkey("profiles.suggest.they_seek"),
    Why.THEY_OFFER: msgkey("profiles.suggest.they_offer"),
    Why.NEWCOMER: msgkey("profiles.suggest.newcomer"),
    Why.VETERAN: msgkey("profiles.suggest.veteran"),
}


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: int
    business: str
    trade: str  # one of the trade list, or OTHER
    trade_other: str | None  # the member's own words when the trade is OTHER
    offer: str
    looking_for: str
    website: str | None = None
    town: str | None = None
    # What the bot knows of the member besides the profile: read with it, never written with it.
    name: str = ""
    joined_at: datetime | None = None
    suggestions: bool = True  # wants "worth meeting" DMs


def neutralise(text: str) -> str:
    """Member text that can ping nobody, wherever it is shown: a zero-width space after the @ of ``@everyone`` and
    ``@here``, and between ``<`` and ``@`` of user and role mentions."""
    return _EVERYONE.sub("@" + _ZERO_WIDTH_SPACE, text).replace("<@", "<" + _ZERO_WIDTH_SPACE + "@")


def as_typed(stored: str) -> str:
    """A stored text as the member typed it, to fill in the form again (it is made harmless again when saved)."""
    return stored.replace(_ZERO_WIDTH_SPACE, "")


def normal_website(text: str) -> str | None:
    """A website people can open safely: http or https only, with a host name ("mikrovirk.dk" gets https://).
    None for anything else: other schemes (javascript:, ftp:), spaces, a user name before the host, no domain."""
    value = text.strip()
    if not _SCHEME.match(value):
        value = f"https://{value}"
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or "." not in host.strip("."):
        return None
    if "@" in parts.netloc or any(char.isspace() or char in '<>"' for char in value):
        return None
    return value


def trade_list(configured: Sequence[str]) -> tuple[str, ...]:
    """The trades members choose from: the organisers' list, else the default one; "other" always last."""
    return (*(trade for trade in configured or DEFAULT_TRADES if trade.casefold() != OTHER), OTHER)


def trade_name(trade: str, language: Language, catalogue: Catalogue, own_words: str | None = None) -> str:
    """A default trade's name in ``language``, an organiser's trade as written, or the member's own words."""
    if trade == OTHER and own_words:
        return own_words
    return catalogue.raw(language, f"profiles.trade.{trade}") or trade


def resolve_trade(typed: str, trades: Sequence[str], catalogue: Catalogue) -> tuple[str, str | None]:
    """The trade a member picked or typed: one of the list (by key or by its name in either language), else OTHER
    with the member's own words."""
    wanted = typed.strip().casefold()
    for trade in trades:
        if wanted in {trade.casefold(), *(trade_name(trade, language, catalogue).casefold() for language in LANGUAGES)}:
            return trade, None
    return OTHER, neutralise(clip(typed.strip(), TRADE_MAX))


def sort_key(profile: Profile) -> tuple[str, int]:
    return profile.business.casefold().translate(_DANISH_ORDER), profile.user_id


def search_text(profile: Profile) -> str:
    return "\n".join(
        part
        for part in (profile.business, profile.name, profile.offer, profile.looking_for, profile.trade_other)
        if part
    )


def directory(profiles: Sequence[Profile], trade: str | None, query: str) -> list[Profile]:
    """The businesses a /directory search lists, in Danish alphabetical order."""
    found = [
        profile
        for profile in profiles
        if (trade is None or profile.trade == trade) and (not query or matches_search(query, search_text(profile)))
    ]
    return sorted(found, key=sort_key)


def pages(count: int) -> int:
    return max(1, -(-count // PAGE_SIZE))


def business_line(profile: Profile, language: Language, catalogue: Catalogue) -> str:
    """The business and its trade ("Mettes Regnskab · Bookkeeping and accounting"), e.g. for a newcomer's intro."""
    return f"{profile.business} · {trade_name(profile.trade, language, catalogue, profile.trade_other)}"


def profile_card(
    profile: Profile, next_answer: RsvpState | None, meeting_planned: bool, language: Language, catalogue: Catalogue
) -> Card:
    """/profile show: the business, who runs it, the trade, the offer and the wish, and whether they come next time."""
    text = catalogue.text
    trade = trade_name(profile.trade, language, catalogue, profile.trade_other)
    lead = " · ".join(plain(part) for part in (profile.name, trade, profile.town) if part)
    since = discord_timestamp(profile.joined_at, "D") if profile.joined_at else "—"
    answer = (
        text(language, NEXT_ANSWER_KEYS[next_answer])
        if meeting_planned
        else text(language, "profiles.card.next_no_meeting")
    )
    fields = [
        CardField(text(language, "profiles.card.offer"), plain(profile.offer)),
        CardField(text(language, "profiles.card.looking_for"), plain(profile.looking_for)),
    ]
    if profile.website:
        fields.append(CardField(text(language, "profiles.card.website"), profile.website))
    fields += [
        CardField(text(language, "profiles.card.member_since"), since, True),
        CardField(text(language, "profiles.card.next_meeting"), answer, True),
    ]
    return Card(title=profile.business, description=lead, fields=tuple(fields))


def directory_card(found: Sequence[Profile], page: int, language: Language, catalogue: Catalogue, heading: str) -> Card:
    """One page of /directory: ten businesses, each with who runs it, the trade, the town and the start of the offer."""
    lines = []
    for profile in found[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        trade = trade_name(profile.trade, language, catalogue, profile.trade_other)
        about = " · ".join(plain(part) for part in (profile.name, trade, profile.town) if part)
        lines.append(f"**{plain(profile.business)}** — {about}\n{plain(clip(profile.offer, _OFFER_PREVIEW))}")
    footer = catalogue.text(language, "profiles.directory.footer", page=page + 1, pages=pages(len(found)))
    footer += " · " + catalogue.plural(language, "profiles.directory.count", len(found))
    description = clip("\n\n".join(lines), EMBED_DESCRIPTION_MAX)
    return Card(title=clip(heading, EMBED_TITLE_MAX), description=description, footer=footer)


def who_card(
    title: str, going: Sequence[Profile], without_profile: int, language: Language, catalogue: Catalogue
) -> Card:
    """/meeting who: those going with a profile, grouped by trade (own words under "other", last); those without a
    profile only counted."""
    groups: dict[str, list[Profile]] = {}
    for profile in sorted(going, key=lambda p: (p.name.casefold().translate(_DANISH_ORDER), p.user_id)):
        groups.setdefault(profile.trade, []).append(profile)
    order = sorted(
        groups,
        key=lambda trade: (trade == OTHER, trade_name(trade, language, catalogue).casefold().translate(_DANISH_ORDER)),
    )
    blocks = []
    for trade in order:
        lines = [f"**{plain(trade_name(trade, language, catalogue))}** ({len(groups[trade])})"]
        for profile in groups[trade]:
            own = f" ({plain(profile.trade_other)})" if profile.trade == OTHER and profile.trade_other else ""
            lines.append(f"• {plain(profile.name or str(profile.user_id))} — {plain(profile.business)}{own}")
        blocks.append("\n".join(lines))
    if not going and not without_profile:
        blocks.append(catalogue.text(language, "profiles.who.nobody"))
    footer = catalogue.plural(language, "profiles.who.without", without_profile) if without_profile else None
    description = clip("\n\n".join(blocks), EMBED_DESCRIPTION_MAX)
    heading = clip(catalogue.text(language, "profiles.who.title", title=title), EMBED_TITLE_MAX)
    return Card(title=heading, description=description, footer=footer)


# -- "worth meeting" ---------------------------------------------------------------------------------------------------


def candidate(profile: Profile, newcomers_since: datetime, catalogue: Catalogue) -> Candidate:
    """A profile as the matching sees it; the trade's names (both languages) count as part of the offer."""
    names = dict.fromkeys(trade_name(profile.trade, lang, catalogue, profile.trade_other) for lang in LANGUAGES)
    newcomer = profile.joined_at is not None and profile.joined_at >= newcomers_since
    return Candidate(profile.user_id, "\n".join([profile.offer, *names]), profile.looking_for, newcomer)


def reason_line(reasons: Sequence[Reason], language: Language, catalogue: Catalogue) -> str:
    return " · ".join(
        catalogue.text(language, REASON_KEYS[reason.why], wanted=plain(reason.wanted), offered=plain(reason.offered))
        for reason in reasons
    )


def suggestion_text(
    title: str,
    suggestions: Sequence[Suggestion],
    profiles: dict[int, Profile],
    language: Language,
    catalogue: Catalogue,
) -> str:
    """The DM before a meeting: up to three people going, who they are, and why they are worth meeting."""
    text = catalogue.text
    if not suggestions:
        return text(language, "profiles.suggest.nobody", title=title)
    lines = [text(language, "profiles.suggest.heading", title=title)]
    for suggestion in suggestions:
        profile = profiles[suggestion.user_id]
        lines.append(
            text(
                language,
                "profiles.suggest.line",
                member=f"<@{profile.user_id}>",
                business=plain(business_line(profile, language, catalogue)),
                reason=reason_line(suggestion.reasons, language, catalogue),
            )
        )
    lines.append(text(language, "profiles.suggest.footer"))
    return clip("\n".join(lines), 2000)
