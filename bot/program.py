"""Program rules: who may volunteer for which slot, in what order organisers see volunteers, how slots fill.

No Discord here. A 2.0 (growth) meeting has one hot seat or brag spot; a 1.0 (tools) meeting has newcomer intros.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.i18n import msgkey
from bot.meetings import Meeting, MeetingFormat, MeetingStatus


class SlotKind(enum.StrEnum):
    HOT_SEAT = "hot_seat"  # "Den varme stol": a challenge, and input from the others
    BRAG_SPOT = "brag_spot"  # "Pralepladsen": a new customer or order
    INTRO = "intro"  # a newcomer's 3 minutes at a 1.0 meeting


class SlotStatus(enum.StrEnum):
    VOLUNTEERED = "volunteered"
    INVITED = "invited"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


GROWTH_SLOTS = (SlotKind.HOT_SEAT, SlotKind.BRAG_SPOT)
# What each kind is called in replies, DMs and organisers' notices.
KIND_KEYS = {
    SlotKind.HOT_SEAT: msgkey("program.kind_hot_seat"),
    SlotKind.BRAG_SPOT: msgkey("program.kind_brag_spot"),
    SlotKind.INTRO: msgkey("program.kind_intro"),
}


def volunteer_refusal(meeting: Meeting, kind: SlotKind, now: datetime) -> str | None:
    """Why a member cannot volunteer for ``kind`` at ``meeting`` (a catalogue key), or None if they can."""
    if meeting.status is MeetingStatus.CANCELLED:
        return msgkey("program.errors.cancelled")
    if meeting.starts_at <= now:
        return msgkey("program.errors.past")
    if kind in GROWTH_SLOTS and meeting.format is not MeetingFormat.GROWTH:
        return msgkey("program.errors.not_growth")
    if kind is SlotKind.INTRO and meeting.format is not MeetingFormat.TOOLS:
        return msgkey("program.errors.not_tools")
    return None


@dataclass(frozen=True, slots=True)
class Volunteer:
    user_id: int
    name: str
    kind: SlotKind
    topic: str | None
    status: SlotStatus
    signed_up_at: datetime
    last_slot_at: datetime | None  # when the member last had a confirmed slot at an earlier meeting


def fairness_order(volunteers: Sequence[Volunteer]) -> list[Volunteer]:
    """Who deserves the slot first: never had one, then longest since the last one; ties by sign-up time."""
    return sorted(
        volunteers,
        key=lambda v: (v.last_slot_at is not None, v.last_slot_at or v.signed_up_at, v.signed_up_at, v.user_id),
    )


def growth_slot_taken(confirmed: Sequence[SlotKind]) -> bool:
    """A 2.0 meeting has room for one hot seat *or* brag spot."""
    return any(kind in GROWTH_SLOTS for kind in confirmed)


def intro_slots_free(confirmed: Sequence[SlotKind], intro_slots: int) -> int:
    return max(intro_slots - sum(1 for kind in confirmed if kind is SlotKind.INTRO), 0)


def intro_refusal(joined_at: datetime | None, presented: bool, now: datetime, newcomer_days: int) -> str | None:
    """Why a member may not sign up to present as a newcomer (a catalogue key), or None if they may."""
    if presented:
        return msgkey("intro.errors.presented")
    if joined_at is None or now - joined_at > timedelta(days=newcomer_days):
        return msgkey("intro.errors.not_newcomer")
    return None
