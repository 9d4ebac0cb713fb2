"""Timed rounds as data: every piece of timed work is a row with one state machine. No Discord here.

``pending → sending → sent | skipped | failed | cancelled``. A finished row is history: no restart, re-planning or
retry ever reopens it. Work that becomes relevant again (a meeting moved after its reminder went out) is a new row.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class RoundKind(enum.StrEnum):
    REMINDER = "reminder"  # subject: the offset, e.g. "7d"
    MONTHLY = "monthly"  # subject: the month, e.g. "2026-12"
    MANUAL_REMINDER = "manual_reminder"  # subject: a running number per meeting
    STILL_COMING = "still_coming"
    INTRO_INVITE = "intro_invite"
    HOTSEAT_BRIEF = "hotseat_brief"  # subject: "" when planned, a running number when a late brief is posted
    CHECKIN_OPEN = "checkin_open"
    CHECKIN_CLOSE = "checkin_close"
    FEEDBACK_POLL = "feedback"
    FEEDBACK_CLOSE = "feedback_close"
    POLL_CLOSE = "poll_close"  # subject: the poll id
    CANCEL_NOTICE = "cancel_notice"  # subject: a running number per meeting
    CHANGE_NOTICE = "change_notice"  # a new time or place: the event, the post and a DM to those who answered
    EVENT_SYNC = "event_sync"  # another edit: the Discord event follows the meeting
    BACKUP = "backup"  # no meeting; subject: the due moment in UTC, e.g. "2026-11-27T09:00:00+00:00"
    SUGGESTIONS = "suggestions"  # "worth meeting" DMs to members going who have a profile
    LEAVER_ERASURE = "leaver_erasure"  # no meeting; subject: the leaver row's id (never the member's id)
    RETENTION = "retention"  # no meeting; subject: the local date of the daily run
    PROMOTED = "promoted"  # members moved up the waiting list are told; subject: a running number per meeting
    WAITLISTED = "waitlisted"  # a member put on the waiting list hears their place; subject: a running number
    INTRO_PROMOTED = "intro_promoted"  # a newcomer moved into a freed intro slot is told; subject: as above
    SLOT_WITHDRAWN = "slot_withdrawn"  # organisers hear a confirmed slot was given up; subject: "n:slot id"
    ASSIGNED = "assigned"  # the member confirmed in a program slot hears it by DM; subject: "n:slot id"
    VOLUNTEERED = "volunteered"  # organisers hear of a hot-seat or brag-spot sign-up; subject: "n:slot id"
    SLOT_FREED = "slot_freed"  # organisers hear an erasure freed a confirmed slot; subject: "n:slot kind"
    TOPIC_POST_REMOVAL = "topic_post_removal"  # no meeting; an erased idea's post goes; subject: "1:channel:message"
    RECONCILE = "reconcile"  # a meeting's post brought in line again after it failed at start; subject: a number
    TOPIC_POST = "topic_post"  # no meeting; a member's idea goes up, written with it; subject: "1:topic id"
    POLL_POST = "poll_post"  # no meeting; an organiser's poll goes up, written with it; subject: "1:poll id"
    FAN_OUT_REPORT = "fan_out_report"  # no meeting; organisers hear how a fan-out went; subject: its round's id
    WELCOME = "welcome"  # no meeting; a newcomer is welcomed by DM, or in the channel; subject: a running number
    GIVEN_UP = "given_up"  # no meeting; organisers hear a round was given up; subject: "round id:discord|error"


class RoundState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self not in (RoundState.PENDING, RoundState.SENDING)


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # marked before the DM went out; the outcome is unknown until it is recorded
    SENT = "sent"
    REFUSED = "refused"  # the member does not accept DMs; never retried
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class InDoubt:
    """A message that may have gone out before the bot died, unrecorded: where it went (None: the member's DM
    channel), a fingerprint of what it says, and when it was sent."""

    channel_id: int | None
    fingerprint: str
    attempted_at: datetime


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    guild_id: int
    meeting_id: int | None
    kind: RoundKind
    subject: str
    planned_for: datetime | None
    due_at: datetime
    retry_at: datetime | None
    state: RoundState
    reason: str | None
    audience_fixed: bool
    channel_message_id: int | None
    attempts: int
    last_error: str | None
    post_in_doubt: InDoubt | None = None  # the round's channel post, marked but not recorded

    @property
    def wakes_at(self) -> datetime:
        """When the runner should look at the row: its moment, or a later retry."""
        return max(self.due_at, self.retry_at) if self.retry_at else self.due_at


class RecipientsUnreachedError(Exception):
    """A round whose work is partly done and recorded, the rest refused by Discord for a moment (a DM that failed
    every quick retry): the runner tries the round again with its backoff, and only what is left is done then."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a delivery ended; ``reason`` says why a row was skipped (stored with it)."""

    state: RoundState
    reason: str | None = None

    @classmethod
    def sent(cls) -> Outcome:
        return cls(RoundState.SENT)

    @classmethod
    def skipped(cls, reason: str) -> Outcome:
        return cls(RoundState.SKIPPED, reason)

    @classmethod
    def cancelled(cls, reason: str) -> Outcome:
        return cls(RoundState.CANCELLED, reason)


# One retry policy for every kind: a failed attempt is tried again after 1, 2, 4, 8 minutes, then given up.
MAX_ATTEMPTS = 5
RETRY_BACKOFF = timedelta(minutes=1)


def next_try(attempts: int, now: datetime) -> datetime | None:
    """When to try again after ``attempts`` failed attempts, or None to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    factor: int = 2 ** max(attempts - 1, 0)
    return now + RETRY_BACKOFF * factor
