"""Polls as the rest of the bot sees them: the feedback poll after a meeting and organisers' polls. No Discord."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class PollKind(enum.StrEnum):
    FEEDBACK = "feedback"  # after a meeting: a rating 1..5 and a comment
    GENERAL = "general"  # an organiser's question with options


class PollStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Poll:
    id: int
    guild_id: int
    meeting_id: int | None
    kind: PollKind
    question: str
    anonymous: bool
    status: PollStatus
    closes_at: datetime | None
    channel_id: int | None
    message_id: int | None
    options: tuple[str, ...]

    def open_at(self, now: datetime) -> bool:
        """Whether the poll takes answers at ``now``."""
        return self.status is PollStatus.OPEN and (self.closes_at is None or now < self.closes_at)


@dataclass(frozen=True, slots=True)
class PollAnswer:
    """One member's answer to any poll, as organisers take it away."""

    meeting_start: datetime | None
    question: str
    member: str | None  # None in an anonymous poll
    rating: int | None
    option: str | None
    comment: str | None
    answered_at: datetime
