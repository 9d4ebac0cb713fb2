from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.rsvp import (
    GOING_EMOJI,
    MAYBE_EMOJI,
    NOT_GOING_EMOJI,
    RsvpChange,
    RsvpState,
    choice_for_emoji,
    emoji_for_state,
    promotions,
    resolve_choice,
    stale_reactions,
    state_after_removal,
)

G, M, N, W = RsvpState.GOING, RsvpState.MAYBE, RsvpState.NOT_GOING, RsvpState.WAITING


@pytest.mark.parametrize(
    ("emoji", "choice"),
    [(GOING_EMOJI, G), (MAYBE_EMOJI, M), (NOT_GOING_EMOJI, N), ("🎉", None), ("❓", None), ("", None)],
)
def test_only_the_three_rsvp_emoji_count(emoji: str, choice: RsvpState | None) -> None:
    assert choice_for_emoji(emoji) is choice


@pytest.mark.parametrize(
    ("current", "choice", "capacity", "taken", "expected"),
    [
        (None, G, None, 500, G),  # no limit
        (None, G, 10, 9, G),  # the last seat
        (None, G, 10, 10, W),  # full: waiting list
        (M, G, 10, 12, W),  # over-full after a capacity cut: still waiting
        (G, G, 10, 10, G),  # already going keeps the seat
        (W, G, 10, 10, W),  # already waiting keeps the place in the queue
        (G, M, 10, 10, M),
        (W, N, 10, 10, N),
        (G, None, 10, 10, None),
    ],
)
def test_resolve_choice(
    current: RsvpState | None, choice: RsvpState | None, capacity: int | None, taken: int, expected: RsvpState | None
) -> None:
    assert resolve_choice(current, choice, capacity, taken) is expected


@pytest.mark.parametrize(
    ("current", "removed", "expected"),
    [
        (G, GOING_EMOJI, (True, None)),
        (W, GOING_EMOJI, (True, None)),  # leaving the waiting list
        (M, GOING_EMOJI, (False, M)),  # the bot took back a stale reaction: nothing changes
        (N, NOT_GOING_EMOJI, (True, None)),
        (None, MAYBE_EMOJI, (False, None)),
    ],
)
def test_removing_only_the_current_reaction_clears(
    current: RsvpState | None, removed: str, expected: tuple[bool, RsvpState | None]
) -> None:
    assert state_after_removal(current, removed) == expected


def test_stale_emoji_is_the_old_answer_when_switching() -> None:
    assert RsvpChange(1, G, M).stale_emoji == GOING_EMOJI
    assert RsvpChange(1, W, N).stale_emoji == GOING_EMOJI
    assert RsvpChange(1, G, W).stale_emoji is None  # same reaction
    assert RsvpChange(1, None, G).stale_emoji is None
    assert RsvpChange(1, G, None).stale_emoji is None
    assert emoji_for_state(W) == GOING_EMOJI


@given(
    waiting=st.lists(st.integers(min_value=1), unique=True, max_size=30),
    capacity=st.one_of(st.none(), st.integers(min_value=1, max_value=40)),
    taken=st.integers(min_value=0, max_value=60),
)
def test_promotions_fill_free_seats_first_come_first_served(
    waiting: list[int], capacity: int | None, taken: int
) -> None:
    moved = promotions(waiting, capacity, taken)
    assert moved == waiting[: len(moved)]  # a prefix of the queue: nobody jumps ahead
    if capacity is None:
        assert moved == waiting
    else:
        assert taken + len(moved) <= max(capacity, taken)  # never over-filled
        assert len(moved) == min(len(waiting), max(capacity - taken, 0))


@given(
    answers=st.lists(st.tuples(st.integers(min_value=1, max_value=12), st.sampled_from([G, M, N, None])), max_size=80),
    capacity=st.integers(min_value=1, max_value=6),
)
def test_a_sequence_of_answers_never_overfills(answers: list[tuple[int, RsvpState | None]], capacity: int) -> None:
    """Model of the repository's transaction: apply each answer, then move the waiting list up."""
    states: dict[int, RsvpState] = {}
    queue: list[int] = []
    for user, choice in answers:
        before = states.get(user)
        taken = sum(1 for state in states.values() if state is G)
        after = resolve_choice(before, choice, capacity, taken)
        if after is None:
            states.pop(user, None)
        else:
            states[user] = after
        if before is W and after is not W:
            queue.remove(user)
        if after is W and before is not W:
            queue.append(user)
        if before is G and after is not G:
            for promoted in promotions(queue, capacity, sum(1 for s in states.values() if s is G)):
                states[promoted] = G
                queue.remove(promoted)
        going = sum(1 for state in states.values() if state is G)
        assert going <= capacity
        assert not queue or going == capacity  # nobody waits while a seat is free


def test_stale_reactions_are_those_that_are_not_the_stored_answer() -> None:
    answers = {1: RsvpState.NOT_GOING, 2: RsvpState.WAITING, 3: RsvpState.MAYBE}
    reactions = [(1, "❔"), (1, "❌"), (2, "✅"), (3, "✅"), (3, "❔"), (4, "✅")]
    # 4 has no stored answer (left, or erased): not ours to take back here
    assert stale_reactions(reactions, answers) == [(1, "❔"), (3, "✅")]
