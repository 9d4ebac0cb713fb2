"""RSVP rules: what a reaction means, who gets a seat, who moves up from the waiting list. No Discord here."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime


class RsvpState(enum.StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    NOT_GOING = "not_going"
    WAITING = "waiting"  # wanted to go, but the meeting was full


GOING_EMOJI = "✅"
MAYBE_EMOJI = "❔"
NOT_GOING_EMOJI = "❌"
RSVP_EMOJIS = (GOING_EMOJI, MAYBE_EMOJI, NOT_GOING_EMOJI)

_EMOJI_CHOICE = {GOING_EMOJI: RsvpState.GOING, MAYBE_EMOJI: RsvpState.MAYBE, NOT_GOING_EMOJI: RsvpState.NOT_GOING}


def choice_for_emoji(emoji: str) -> RsvpState | None:
    """The answer a reaction gives, or ``None`` for any other emoji (ignored)."""
    return _EMOJI_CHOICE.get(emoji)


def emoji_for_state(state: RsvpState) -> str:
    """The reaction that stands for a state; the waiting list is a ✅ that did not get a seat."""
    return (
        GOING_EMOJI
        if state in (RsvpState.GOING, RsvpState.WAITING)
        else (MAYBE_EMOJI if state is RsvpState.MAYBE else NOT_GOING_EMOJI)
    )


def stale_reactions(reactions: Iterable[tuple[int, str]], answers: Mapping[int, RsvpState]) -> list[tuple[int, str]]:
    """The (member, emoji) reactions that are not the member's stored answer: the old reaction of a switch that was
    never taken back (the bot stopped, or Discord refused, before it could)."""
    return sorted(
        (user_id, emoji)
        for user_id, emoji in reactions
        if user_id in answers and emoji != emoji_for_state(answers[user_id])
    )


def seats_free(capacity: int | None, seats_taken: int) -> int | None:
    """Free seats, never negative; ``None`` when the meeting has no limit."""
    return None if capacity is None else max(capacity - seats_taken, 0)


def resolve_choice(
    current: RsvpState | None, choice: RsvpState | None, capacity: int | None, seats_taken: int
) -> RsvpState | None:
    """The state a member ends in after choosing ``choice`` (``None`` = cleared their answer).

    ``seats_taken`` counts going members and guests, including the member's own seat if they hold one. Choosing
    "going" when full puts the member on the waiting list; someone already going or waiting keeps their place.
    """
    if choice is not RsvpState.GOING:
        return choice
    if current in (RsvpState.GOING, RsvpState.WAITING):
        return current
    free = seats_free(capacity, seats_taken)
    return RsvpState.GOING if free is None or free > 0 else RsvpState.WAITING


def state_after_removal(current: RsvpState | None, removed_emoji: str) -> tuple[bool, RsvpState | None]:
    """Removing the reaction of the current state clears the answer; removing any other reaction changes nothing.

    Returns ``(changed, new_state)``.
    """
    if current is not None and emoji_for_state(current) == removed_emoji:
        return True, None
    return False, current


def promotions(waiting_in_order: Sequence[int], capacity: int | None, seats_taken: int) -> list[int]:
    """Who moves up from the waiting list (first come, first served) into the seats that are free."""
    free = seats_free(capacity, seats_taken)
    if free is None:
        return list(waiting_in_order)
    return list(waiting_in_order[:free])


@dataclass(frozen=True, slots=True)
class RsvpChange:
    """The outcome of one member's answer, for the announcement and the DMs it triggers."""

    user_id: int
    before: RsvpState | None
    after: RsvpState | None
    promoted: tuple[int, ...] = ()

    @property
    def changed(self) -> bool:
        return self.before is not self.after or bool(self.promoted)

    @property
    def stale_emoji(self) -> str | None:
        """The reaction the member no longer means (to remove), when they switched from one answer to another."""
        if self.before is None or self.after is None:
            return None
        old, new = emoji_for_state(self.before), emoji_for_state(self.after)
        return old if old != new else None


@dataclass(frozen=True, slots=True)
class Attendee:
    user_id: int
    name: str
    state: RsvpState
    changed_at: datetime


# The most guests meetings.max_guests_per_member allows: a member's guest list has a remove button per guest beside
# the add button, and Discord puts at most 25 buttons on a message.
GUESTS_PER_MEMBER_MAX = 20


@dataclass(frozen=True, slots=True)
class Guest:
    id: int
    meeting_id: int
    host_user_id: int
    host_name: str
    name: str
    business: str | None


def same_guest(guest: Guest, name: str, business: str | None) -> bool:
    """Whether ``name`` and ``business`` are ``guest`` again, as typed a second time (case aside)."""
    return guest.name.casefold() == name.casefold() and (guest.business or "").casefold() == (business or "").casefold()


@dataclass(frozen=True, slots=True)
class Roster:
    """Everyone who answered a meeting, in the order they answered (the waiting list in queue order)."""

    going: tuple[Attendee, ...]
    maybe: tuple[Attendee, ...]
    not_going: tuple[Attendee, ...]
    waiting: tuple[Attendee, ...]
    guests: tuple[Guest, ...]

    @property
    def seats_taken(self) -> int:
        return len(self.going) + len(self.guests)
