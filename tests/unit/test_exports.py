"""The feedback CSV: every poll answer, a blank row, then every topic idea — ready for Excel."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from bot.exports import attendees_csv, csv_file, feedback_csv
from bot.i18n import default_catalogue
from bot.polls import PollAnswer
from bot.rsvp import Attendee, Guest, Roster, RsvpState
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


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_a_spreadsheet_would_run_as_a_formula_is_kept_as_text(prefix: str) -> None:
    text = f'{prefix}HYPERLINK("https://evil.example","Pay dues")'
    data = csv_file([["Navn"], [text]])
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))) == [["Navn"], ["'" + text]]


def test_numbers_the_bot_writes_stay_numbers_and_harmless_text_is_unchanged() -> None:
    rows = [[-3, 5, 0.5, "Moms", " =spaced", "a=b", "", "'quoted"]]
    data = csv_file(rows)
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        ["-3", "5", "0.5", "Moms", " =spaced", "a=b", "", "'quoted"]
    ]


def test_member_text_in_both_exports_is_neutralised() -> None:
    formula = '=HYPERLINK("https://evil.example","Pay dues")'
    answers = [PollAnswer(MEETING, "Hvor værdifuldt?", formula, 5, None, "+" + formula, ANSWERED)]
    feedback = feedback_csv(answers, [idea("@" + formula, TopicStatus.OPEN, 0)], "da", CATALOGUE)
    rows = list(csv.reader(io.StringIO(feedback.decode("utf-8-sig"))))
    assert rows[1][2] == "'" + formula and rows[1][5] == "'+" + formula
    assert rows[4] == ["'@" + formula, "0", "åben"]

    member = Attendee(9, formula, RsvpState.GOING, ANSWERED)
    guest = Guest(1, 7, 9, formula, "-" + formula, "\t" + formula)
    roster = Roster(going=(member,), maybe=(), not_going=(), waiting=(), guests=(guest,))
    attendees = list(csv.reader(io.StringIO(attendees_csv(roster, "en", CATALOGUE).decode("utf-8-sig"))))
    assert attendees[1][:2] == ["'" + formula, "9"]
    assert [attendees[2][0], attendees[2][4], attendees[2][5]] == ["'-" + formula, "'" + formula, "'\t" + formula]
