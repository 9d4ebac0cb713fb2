"""The feedback CSV: every poll answer, a blank row, then every topic idea — ready for Excel."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from bot.exports import feedback_csv
from bot.i18n import default_catalogue
from bot.polls import PollAnswer
from bot.topics import Topic, TopicStatus

CATALOGUE = default_catalogue()
MEETING = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)
ANSWERED = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


def idea(text: str, status: TopicStatus, votes: int) -> Topic:
    return Topic(1, 1, 9, text, status, None, None, None, votes)


def test_feedback_csv_lists_answers_then_topics_and_hides_anonymous_names() -> None:
    answers = [
        PollAnswer(MEETING, "Hvor værdifuldt?", "Mette", 5, None, "Mere tid", ANSWERED),
        PollAnswer(None, "Hvilken dag?", None, None, "tirsdag", None, ANSWERED),
    ]
    ideas = [idea("Moms", TopicStatus.PLANNED, 3), idea("Æøå", TopicStatus.CLOSED, 0)]
    data = feedback_csv(answers, ideas, "da", CATALOGUE)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["Møde", "Spørgsmål", "Medlem", "Bedømmelse", "Svarmulighed", "Kommentar", "Svaret (UTC)"],
        [MEETING.isoformat(), "Hvor værdifuldt?", "Mette", "5", "", "Mere tid", ANSWERED.isoformat()],
        ["", "Hvilken dag?", "(anonym)", "", "tirsdag", "", ANSWERED.isoformat()],
        [],
        ["Emneforslag", "Stemmer", "Status"],
        ["Moms", "3", "planlagt"],
        ["Æøå", "0", "lukket"],
    ]
