"""Files members and organisers take away: .ics calendar entries, the attendee CSV and the feedback CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.config import Language
from bot.i18n import Catalogue, msgkey
from bot.meetings import Meeting, MeetingStatus
from bot.polls import PollAnswer
from bot.render import FORMAT_KEYS
from bot.rsvp import Roster, RsvpState
from bot.topics import Topic, TopicStatus

_PRODID = "-//MikroVirk bot//meetings//EN"


def meetings_ics(
    meetings: Sequence[Meeting], network: str, language: Language, catalogue: Catalogue, now: datetime
) -> bytes:
    """An iCalendar file with one event per meeting; cancelled meetings are marked cancelled, not left out."""
    import icalendar  # ~4 MB with its dependencies: loaded with the first calendar a member asks for, not at start

    calendar = icalendar.Calendar()
    calendar.add("prodid", _PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", network)
    for meeting in meetings:
        event = icalendar.Event()
        # A stable UID lets calendar apps update the entry when the meeting moves instead of adding a second one.
        event.add("uid", f"meeting-{meeting.guild_id}-{meeting.id}@mikrovirk-bot")
        event.add("dtstamp", now)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        format_name = catalogue.text(language, FORMAT_KEYS[meeting.format])
        summary = f"{network} {format_name}"
        if meeting.topic:
            summary += f": {meeting.topic}"
        event.add("summary", summary)
        event.add("location", meeting.venue)
        details = [part for part in (meeting.speaker and f"{meeting.speaker}", meeting.description) if part]
        if details:
            event.add("description", "\n".join(details))
        event.add("status", "CANCELLED" if meeting.status is MeetingStatus.CANCELLED else "CONFIRMED")
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


# A cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets (OWASP, "CSV
# Injection"): a member called '=HYPERLINK("https://…","Pay dues")' would become a link in the organiser's sheet.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _as_text(cell: object) -> object:
    """Text starting a formula gets a leading apostrophe, which spreadsheets read as "this cell is text"; numbers
    the bot itself writes (counts, ratings, ids) are not text and stay numbers, even negative ones."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell


def csv_file(rows: Iterable[Sequence[object]]) -> bytes:
    """The one writer of every CSV the bot hands out: UTF-8 for Excel, no cell a spreadsheet would run."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([_as_text(cell) for cell in row] for row in rows)
    # A byte-order mark makes Excel (which many organisers use) read the file as UTF-8: æ, ø and å survive.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def attendees_csv(roster: Roster, language: Language, catalogue: Catalogue) -> bytes:
    """One row per member or guest: name, answer, since when, and for guests who brings them."""
    rows: list[Sequence[object]] = [[catalogue.text(language, key) for key in _ATTENDEES_HEADER_KEYS]]
    for group in (roster.going, roster.waiting, roster.maybe, roster.not_going):
        for attendee in group:
            answer = catalogue.text(language, STATE_KEYS[attendee.state])
            rows.append([attendee.name, attendee.user_id, answer, attendee.changed_at.isoformat(), "", ""])
    guest_answer = catalogue.text(language, "attendees.guest")
    rows.extend([guest.name, "", guest_answer, "", guest.host_name, guest.business or ""] for guest in roster.guests)
    return csv_file(rows)


def feedback_csv(
    answers: Sequence[PollAnswer], ideas: Sequence[Topic], language: Language, catalogue: Catalogue
) -> bytes:
    """Every poll answer (feedback and organisers' polls), a blank row, then every topic idea with its votes."""
    anonymous = catalogue.text(language, "feedback.anonymous")
    rows: list[Sequence[object]] = [[catalogue.text(language, key) for key in _FEEDBACK_HEADER_KEYS]]
    rows.extend(
        [
            answer.meeting_start.isoformat() if answer.meeting_start else "",
            answer.question,
            anonymous if answer.member is None else answer.member,
            answer.rating or "",
            answer.option or "",
            answer.comment or "",
            answer.answered_at.isoformat(),
        ]
        for answer in answers
    )
    rows.append([])
    rows.append([catalogue.text(language, key) for key in _TOPIC_HEADER_KEYS])
    rows.extend([idea.text, idea.votes, catalogue.text(language, TOPIC_STATUS_KEYS[idea.status])] for idea in ideas)
    return csv_file(rows)


STATE_KEYS = {
    RsvpState.GOING: msgkey("attendees.state_going"),
    RsvpState.MAYBE: msgkey("attendees.state_maybe"),
    RsvpState.NOT_GOING: msgkey("attendees.state_not_going"),
    RsvpState.WAITING: msgkey("attendees.state_waiting"),
}
_ATTENDEES_HEADER_KEYS = (
    msgkey("attendees.csv_name"),
    msgkey("attendees.csv_user_id"),
    msgkey("attendees.csv_answer"),
    msgkey("attendees.csv_changed_at"),
    msgkey("attendees.csv_guest_of"),
    msgkey("attendees.csv_business"),
)
_FEEDBACK_HEADER_KEYS = (
    msgkey("feedback.csv_meeting"),
    msgkey("feedback.csv_question"),
    msgkey("feedback.csv_member"),
    msgkey("feedback.csv_rating"),
    msgkey("feedback.csv_option"),
    msgkey("feedback.csv_comment"),
    msgkey("feedback.csv_answered_at"),
)
_TOPIC_HEADER_KEYS = (msgkey("feedback.csv_topic"), msgkey("feedback.csv_votes"), msgkey("feedback.csv_status"))
TOPIC_STATUS_KEYS = {
    TopicStatus.OPEN: msgkey("topics.status_open"),
    TopicStatus.PLANNED: msgkey("topics.status_planned"),
    TopicStatus.CLOSED: msgkey("topics.status_closed"),
}
