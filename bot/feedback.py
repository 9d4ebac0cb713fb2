"""Meeting feedback as plain data: a poll's answers summarised, and the small text helpers embeds use.

No Discord and no I/O: cogs load the answers, call :func:`summarise`, and render the result (and
:mod:`bot.charts` draws it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MIN_RATING = 1
MAX_RATING = 5
NO_VALUE = "—"
BAR_BLOCK = "█"


@dataclass(frozen=True, slots=True)
class Rating:
    """One member's answer to a meeting's feedback poll: a rating 1..5, a comment, or both (either may be missing)."""

    user_id: int
    rating: int | None
    comment: str | None


@dataclass(frozen=True, slots=True)
class FeedbackSummary:
    """What a meeting's feedback poll came to."""

    answers: int  # members who answered (a rating or a non-blank comment)
    rated: int  # members who gave a rating
    average: float | None  # mean of the ratings, None when nobody rated
    distribution: tuple[int, int, int, int, int]  # counts of ratings 1..5
    comments: tuple[str, ...]  # non-blank comments (stripped), in answer order
    attendees: int  # how many were asked (checked in, or going)

    @property
    def response_rate(self) -> float | None:
        """Answers per member asked; None when nobody was asked. May exceed 1 if someone not asked answered."""
        if self.attendees == 0:
            return None
        return self.answers / self.attendees


@dataclass(frozen=True, slots=True)
class SeasonPoint:
    """One meeting in a season overview: its label (e.g. a short date), average rating and attendance."""

    label: str
    average: float | None
    attendance: int


def _comment_text(comment: str | None) -> str | None:
    if comment is None:
        return None
    text = comment.strip()
    return text or None


def summarise(answers: Sequence[Rating], attendees: int) -> FeedbackSummary:
    """Summarise a poll's answers.

    Raises :class:`ValueError` if a rating is outside 1..5, if a member answers twice, or if ``attendees`` is
    negative. An answer with neither a rating nor a non-blank comment is not counted.
    """
    if attendees < 0:
        raise ValueError(f"attendees must not be negative, got {attendees}")
    counts = [0] * (MAX_RATING - MIN_RATING + 1)
    comments: list[str] = []
    seen: set[int] = set()
    answered = 0
    total = 0
    for answer in answers:
        if answer.user_id in seen:
            raise ValueError(f"member {answer.user_id} answered more than once")
        seen.add(answer.user_id)
        rating = answer.rating
        if rating is not None:
            if isinstance(rating, bool) or not MIN_RATING <= rating <= MAX_RATING:
                raise ValueError(f"rating must be {MIN_RATING}..{MAX_RATING}, got {rating!r}")
            counts[rating - MIN_RATING] += 1
            total += rating
        comment = _comment_text(answer.comment)
        if comment is not None:
            comments.append(comment)
        if rating is not None or comment is not None:
            answered += 1
    rated = sum(counts)
    return FeedbackSummary(
        answers=answered,
        rated=rated,
        average=total / rated if rated else None,
        distribution=(counts[0], counts[1], counts[2], counts[3], counts[4]),
        comments=tuple(comments),
        attendees=attendees,
    )


def format_average(value: float | None) -> str:
    """An average with one decimal (``"4.3"``), halves rounded up as people expect (4.25 → ``"4.3"``), or ``"—"``."""
    if value is None:
        return NO_VALUE
    # repr() is the shortest text that round-trips, so 4.25 and 4.35 both round up rather than by their binary value.
    return str(Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def bar(count: int, largest: int, width: int = 12) -> str:
    """A text bar of ``█`` for embeds, ``width`` blocks long for ``largest`` and scaled for ``count``.

    Zero (or a non-positive ``largest``) gives ``""``; any positive count gets at least one block, and a count above
    ``largest`` is drawn full width.
    """
    if width < 0:
        raise ValueError(f"width must not be negative, got {width}")
    if count <= 0 or largest <= 0:
        return ""
    blocks = round(min(count, largest) * width / largest)
    return BAR_BLOCK * max(1, blocks) if width else ""
