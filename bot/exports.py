"""Files members and organisers take away: .ics calendar entries and the attendee CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

import icalendar

from bot.config import Language
from bot.i18n import Catalogue, msgkey
from bot.meetings import Meeting, MeetingStatus
from bot.render import FORMAT_KEYS
from bot.rsvp import Roster, RsvpState

_PRODID = "-//MikroVirk bot//meetings//EN"


def meetings_ics(
    meetings: Sequence[Meeting], network: str, language: Language, catalogue: Catalogue, now: datetime
) -> bytes:
    """An iCalendar file with one event per meeting; cancelled meetings are marked cancelled, not left out."""
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


def attendees_csv(roster: Roster, language: Language, catalogue: Catalogue) -> bytes:
    """One row per member or guest: name, answer, since when, and for guests who brings them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([catalogue.text(language, key) for key in _CSV_HEADER_KEYS])
    for group in (roster.going, roster.waiting, roster.maybe, roster.not_going):
        for attendee in group:
            answer = catalogue.text(language, STATE_KEYS[attendee.state])
            writer.writerow([attendee.name, attendee.user_id, answer, attendee.changed_at.isoformat(), "", ""])
    guest_answer = catalogue.text(language, "attendees.guest")
    for guest in roster.guests:
        writer.writerow([guest.name, "", guest_answer, "", guest.host_name, guest.business or ""])
    # A byte-order mark makes Excel (which many organisers use) read the file as UTF-8: æ, ø and å survive.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


STATE_KEYS = {
    RsvpState.GOING: msgkey("attendees.state_going"),
    RsvpState.MAYBE: msgkey("attendees.state_maybe"),
    RsvpState.NOT_GOING: msgkey("attendees.state_not_going"),
    RsvpState.WAITING: msgkey("attendees.state_waiting"),
}
_CSV_HEADER_KEYS = (
    msgkey("attendees.csv_name"),
    msgkey("attendees.csv_user_id"),
    msgkey("attendees.csv_answer"),
    msgkey("attendees.csv_changed_at"),
    msgkey("attendees.csv_guest_of"),
    msgkey("attendees.csv_business"),
)
