"""How values are stored: instants as UTC ISO-8601 text, which sorts in time order."""

from __future__ import annotations

from datetime import UTC, datetime


def instant_to_db(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass an aware instant")
    return value.astimezone(UTC).isoformat(timespec="seconds")


def instant_from_db(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def optional_instant_from_db(text: str | None) -> datetime | None:
    return None if text is None else instant_from_db(text)
