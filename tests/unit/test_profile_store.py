"""Profiles in SQLite (real migrations): saved and read with what the bot knows of the member, counted per meeting,
and erased with the member."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.meetings import MeetingFormat
from bot.profiles import Profile
from bot.rsvp import RsvpState
from db import meetings, members, privacy, profiles, rsvps
from db.database import Database

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
GUILD = 1


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "bot.sqlite3")
    await database.open()
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()


def business(user_id: int, name: str = "Firma") -> Profile:
    return Profile(user_id, name, "it", None, "IT-support", "Kunder", "https://firma.dk", "Stege")


async def test_a_profile_is_read_with_the_members_name_join_date_and_wish(db: Database) -> None:
    joined = NOW - timedelta(days=400)
    await members.record_joins(db, GUILD, [(7, joined, "Mette")], NOW)
    assert await profiles.save(db, GUILD, business(7), NOW) is True
    assert await profiles.save(db, GUILD, business(7, "Mettes IT"), NOW) is False  # replaced, not added
    stored = await profiles.get(db, GUILD, 7)
    assert stored is not None
    assert (stored.business, stored.name, stored.joined_at, stored.suggestions) == ("Mettes IT", "Mette", joined, True)
    await members.set_dm_suggestions(db, GUILD, 7, False, NOW)
    assert (await profiles.get(db, GUILD, 7)).suggestions is False  # type: ignore[union-attr]
    assert await profiles.remove(db, GUILD, 7) is True
    assert await profiles.remove(db, GUILD, 7) is False
    # Turning suggestions off outlives the profile: it belongs to the member.
    await profiles.save(db, GUILD, business(7), NOW)
    assert (await profiles.get(db, GUILD, 7)).suggestions is False  # type: ignore[union-attr]


async def test_going_lists_profiles_and_counts_the_rest(db: Database) -> None:
    new = meetings.NewMeeting(
        GUILD, NOW + timedelta(days=5), ZoneInfo("Europe/Copenhagen"), MeetingFormat.GROWTH, "Biblioteket", 1
    )
    meeting = await meetings.create_meeting(db, new, NOW)
    for user_id, state in ((10, RsvpState.GOING), (11, RsvpState.GOING), (12, RsvpState.GOING), (13, RsvpState.MAYBE)):
        await rsvps.answer(db, meeting.id, user_id, state, NOW)
    for user_id in (10, 13, 14):
        await profiles.save(db, GUILD, business(user_id), NOW)
    going = await profiles.going(db, GUILD, meeting.id)
    assert [p.user_id for p in going.profiles] == [10] and going.without_profile == 2
    assert set(await profiles.of_members(db, GUILD, [10, 11, 14])) == {10, 14}


async def test_erasing_a_member_deletes_their_profile(db: Database) -> None:
    await profiles.save(db, GUILD, business(7), NOW)
    await profiles.save(db, GUILD, business(8), NOW)
    assert privacy.PERSONAL_COLUMNS["profiles"] == "user_id"
    assert "profiles" in await privacy.member_rows(db, 7)  # /mydata's copy includes it
    await privacy.erase_member(db, GUILD, 7, NOW, "forget")
    assert await profiles.get(db, GUILD, 7) is None
    assert await profiles.get(db, GUILD, 8) is not None
