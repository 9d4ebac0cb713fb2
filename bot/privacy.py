"""Members' data rights as rules: what kinds of data there are, how a copy is summarised, when retention runs.

What is stored where lives in :mod:`db.privacy`; this module decides what a member reads about it and when the
daily clean-up falls. Nothing here knows Discord.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import msgkey

# The daily retention round runs at night, local time, when nobody is answering.
RETENTION_AT = time(3, 30)

# table → what a member reads for its rows in /mydata's summary and /forget's preview (catalogue key with {count}).
DATA_KIND_KEYS: dict[str, str] = {
    "members": msgkey("privacy.kind.members"),
    "dm_channels": msgkey("privacy.kind.dm_channels"),
    "rsvps": msgkey("privacy.kind.rsvps"),
    "guests": msgkey("privacy.kind.guests"),
    "attendance": msgkey("privacy.kind.attendance"),
    "announcement_reactions": msgkey("privacy.kind.announcement_reactions"),
    "program_slots": msgkey("privacy.kind.program_slots"),
    "poll_answers": msgkey("privacy.kind.poll_answers"),
    "topics": msgkey("privacy.kind.topics"),
    "topic_votes": msgkey("privacy.kind.topic_votes"),
    "round_deliveries": msgkey("privacy.kind.round_deliveries"),
    "leavers": msgkey("privacy.kind.leavers"),
    "meetings": msgkey("privacy.kind.meetings"),
    "polls": msgkey("privacy.kind.polls"),
    "settings": msgkey("privacy.kind.settings"),
    "profiles": msgkey("privacy.kind.profiles"),
}


def summary_counts(rows_per_table: Mapping[str, int]) -> list[tuple[str, int]]:
    """(catalogue key, count) per kind of data the member has, in the catalogue's order; kinds with none left out.

    A table without its own text falls back to a generic line, so a new table is never silently left out."""
    return [
        (DATA_KIND_KEYS.get(table, msgkey("privacy.kind.other")), count)
        for table, count in sorted(rows_per_table.items(), key=lambda item: _ORDER.get(item[0], len(_ORDER)))
        if count
    ]


_ORDER = {table: position for position, table in enumerate(DATA_KIND_KEYS)}


def export_file(rows: Mapping[str, Sequence[Mapping[str, Any]]], user_id: int, now: datetime) -> bytes:
    """The machine-readable copy: every row naming the member, per table, as UTF-8 JSON."""
    document = {"member": str(user_id), "exported_at": now.isoformat(timespec="seconds"), "tables": rows}
    return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode()


def next_retention(now: datetime, tz: ZoneInfo) -> tuple[str, datetime]:
    """The next nightly run after ``now``: (its local date as the row's subject, the UTC instant)."""
    local = now.astimezone(tz)
    day: date = local.date()
    due = datetime.combine(day, RETENTION_AT, tzinfo=tz)
    if due <= local:
        day = day + timedelta(days=1)
        due = datetime.combine(day, RETENTION_AT, tzinfo=tz)
    return day.isoformat(), due.astimezone(now.tzinfo)
