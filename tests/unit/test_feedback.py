"""Feedback summaries and the text helpers embeds use."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.feedback import FeedbackSummary, Rating, bar, format_average, summarise

ratings = st.one_of(st.none(), st.integers(min_value=1, max_value=5))
comments = st.one_of(st.none(), st.text(max_size=20))


@st.composite
def answer_lists(draw: st.DrawFn) -> list[Rating]:
    user_ids = draw(st.lists(st.integers(min_value=1, max_value=10**18), unique=True, max_size=40))
    return [Rating(user_id, draw(ratings), draw(comments)) for user_id in user_ids]


def test_summary_of_a_typical_poll() -> None:
    answers = [
        Rating(1, 5, "Super aften, tak!"),
        Rating(2, 4, None),
        Rating(3, None, "  Mere tid til netværk  "),
        Rating(4, 4, "   "),
        Rating(5, None, None),
        Rating(6, 2, ""),
    ]
    summary = summarise(answers, attendees=10)
    assert summary == FeedbackSummary(
        answers=5,
        rated=4,
        average=3.75,
        distribution=(0, 1, 0, 2, 1),
        comments=("Super aften, tak!", "Mere tid til netværk"),
        attendees=10,
    )
    assert summary.response_rate == pytest.approx(0.5)


def test_nobody_answered() -> None:
    summary = summarise([], attendees=12)
    assert summary.answers == summary.rated == 0
    assert summary.average is None
    assert summary.distribution == (0, 0, 0, 0, 0)
    assert summary.comments == ()
    assert summary.response_rate == 0.0


def test_comments_only_have_no_average() -> None:
    summary = summarise([Rating(1, None, "Godt oplæg")], attendees=3)
    assert summary.answers == 1
    assert summary.rated == 0
    assert summary.average is None


def test_response_rate_is_none_without_attendees() -> None:
    assert summarise([], attendees=0).response_rate is None
    assert summarise([Rating(1, 4, None)], attendees=0).response_rate is None


@pytest.mark.parametrize("rating", [0, 6, -1, 10])
def test_ratings_outside_one_to_five_are_rejected(rating: int) -> None:
    with pytest.raises(ValueError, match="rating"):
        summarise([Rating(1, 3, None), Rating(2, rating, None)], attendees=5)


def test_a_member_answering_twice_is_rejected() -> None:
    with pytest.raises(ValueError, match="more than once"):
        summarise([Rating(1, 3, None), Rating(1, 4, None)], attendees=5)


def test_negative_attendees_are_rejected() -> None:
    with pytest.raises(ValueError, match="attendees"):
        summarise([], attendees=-1)


@given(answer_lists(), st.integers(min_value=0, max_value=100))
def test_summary_invariants(answers: list[Rating], attendees: int) -> None:
    summary = summarise(answers, attendees)
    given_ratings = [answer.rating for answer in answers if answer.rating is not None]
    assert sum(summary.distribution) == summary.rated == len(given_ratings)
    assert summary.rated <= summary.answers <= len(answers)
    assert len(summary.comments) <= summary.answers
    assert all(comment and comment == comment.strip() for comment in summary.comments)
    assert summary.attendees == attendees
    for rating, count in enumerate(summary.distribution, start=1):
        assert count == given_ratings.count(rating)
    if given_ratings:
        assert summary.average is not None
        assert min(given_ratings) <= summary.average <= max(given_ratings)
        assert summary.average == pytest.approx(sum(given_ratings) / len(given_ratings))
    else:
        assert summary.average is None
    if attendees:
        assert summary.response_rate == pytest.approx(summary.answers / attendees)
    else:
        assert summary.response_rate is None


@given(answer_lists())
def test_comments_keep_answer_order(answers: list[Rating]) -> None:
    expected = [answer.comment.strip() for answer in answers if answer.comment and answer.comment.strip()]
    assert list(summarise(answers, attendees=len(answers)).comments) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (4.25, "4.3"),
        (4.35, "4.4"),
        (4.3333, "4.3"),
        (4.24, "4.2"),
        (5, "5.0"),
        (1.0, "1.0"),
        (3.95, "4.0"),
        (2 / 3 + 1, "1.7"),
    ],
)
def test_format_average(value: float | None, text: str) -> None:
    assert format_average(value) == text


@given(st.floats(min_value=1, max_value=5))
def test_format_average_has_one_decimal(value: float) -> None:
    text = format_average(value)
    _, decimals = text.split(".")
    assert len(decimals) == 1
    assert abs(float(text) - value) <= 0.05 + 1e-9


def test_bar_examples() -> None:
    assert bar(0, 10) == ""
    assert bar(10, 10) == "█" * 12
    assert bar(5, 10) == "█" * 6
    assert bar(1, 100) == "█"  # a positive count is always visible
    assert bar(3, 3, width=5) == "█████"
    assert bar(0, 0) == ""
    assert bar(4, 2) == "█" * 12  # more than the largest is clamped to full width
    assert bar(3, 5, width=0) == ""


def test_bar_rejects_negative_width() -> None:
    with pytest.raises(ValueError, match="width"):
        bar(1, 2, width=-1)


@given(st.integers(min_value=1, max_value=1000), st.integers(min_value=0, max_value=40), st.data())
def test_bar_is_scaled_and_monotonic(largest: int, width: int, data: st.DataObject) -> None:
    count = data.draw(st.integers(min_value=0, max_value=largest))
    text = bar(count, largest, width)
    assert set(text) <= {"█"}
    assert len(text) <= width
    assert (len(text) == 0) == (count == 0 or width == 0)
    assert len(bar(largest, largest, width)) == width
    assert len(bar(min(count + 1, largest), largest, width)) >= len(text)
    if count and width:
        assert abs(len(text) - count * width / largest) <= max(0.5, 1 - count * width / largest) + 1e-9
