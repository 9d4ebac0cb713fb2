"""The member's turn (bot.limits): one attempt that went through per period, a refused one costs nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.limits import MemberCooldown
from bot.meetings import MeetingStatus, takes_answers

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
EVERY = timedelta(minutes=5)


def test_a_second_turn_waits_for_the_rest_of_the_period() -> None:
    limit = MemberCooldown(EVERY)
    assert limit.reserve(1, T0) is None
    assert limit.reserve(1, T0 + timedelta(minutes=2)) == timedelta(minutes=3)
    assert limit.reserve(2, T0 + timedelta(minutes=2)) is None  # per member
    assert limit.reserve(1, T0 + EVERY) is None


def test_a_turn_given_back_costs_nothing() -> None:
    limit = MemberCooldown(EVERY)
    assert limit.reserve(1, T0) is None
    limit.give_back(1, T0)
    assert limit.reserve(1, T0 + timedelta(seconds=1)) is None


def test_giving_back_an_older_turn_leaves_a_newer_one() -> None:
    limit = MemberCooldown(EVERY)
    assert limit.reserve(1, T0) is None
    assert limit.reserve(1, T0 + EVERY) is None
    limit.give_back(1, T0)
    assert limit.reserve(1, T0 + EVERY + timedelta(seconds=1)) is not None


def test_turns_that_are_over_are_forgotten() -> None:
    limit = MemberCooldown(EVERY)
    for user_id in range(100):
        assert limit.reserve(user_id, T0) is None
    assert limit.reserve(1000, T0 + EVERY) is None
    assert len(limit._taken) == 1  # the map must not grow with the network


def test_answers_close_at_the_start_or_on_cancellation() -> None:
    starts = T0 + timedelta(hours=1)
    assert takes_answers(MeetingStatus.PLANNED, starts, T0)
    assert not takes_answers(MeetingStatus.PLANNED, starts, starts)
    assert not takes_answers(MeetingStatus.CANCELLED, starts, T0)
