"""Members' topic ideas as the rest of the bot sees them: plain data, no Discord."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class TopicStatus(enum.StrEnum):
    OPEN = "open"
    PLANNED = "planned"  # on a meeting: its announcement shows it
    CLOSED = "closed"  # neither listed nor voted on any more


@dataclass(frozen=True, slots=True)
class Topic:
    id: int
    guild_id: int
    author_id: int
    text: str
    status: TopicStatus
    meeting_id: int | None
    channel_id: int | None
    message_id: int | None
    votes: int
