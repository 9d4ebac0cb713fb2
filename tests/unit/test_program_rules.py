from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.meetings import Meeting, MeetingFormat, MeetingStatus
from bot.program import (
    SlotKind,
    SlotStatus,
    Volunteer,
    fairness_order,
    growth_slot_taken,
    intro_slots_free,
    volunteer_refusal,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def meeting(format: MeetingFormat, days: int = 5, status: MeetingStatus = MeetingStatus.PLANNED) -> Meeting:
    return Meeting(
        id=1,
        guild_id=1,
        starts_at=NOW + timedelta(days=days),
        timezone=ZoneInfo("Europe/Copenhagen"),
        duration=timedelta(minutes=150),
        format=format,
        venue="Møn Bibliotek",
        topic=None,
        speaker=None,
        description=None,
        capacity=None,
        status=status,
        cancel_reason=None,
        announcement_channel_id=None,
        announcement_message_id=None,
        scheduled_event_id=None,
        created_by=1,
    )


@pytest.mark.parametrize(
    ("target", "kind", "reason"),
    [
        (meeting(MeetingFormat.GROWTH), SlotKind.HOT_SEAT, None),
        (meeting(MeetingFormat.GROWTH), SlotKind.BRAG_SPOT, None),
        (meeting(MeetingFormat.TOOLS), SlotKind.HOT_SEAT, "program.errors.not_growth"),
        (meeting(MeetingFormat.TOOLS), SlotKind.INTRO, None),
        (meeting(MeetingFormat.GROWTH), SlotKind.INTRO, "program.errors.not_tools"),
        (meeting(MeetingFormat.GROWTH, days=-1), SlotKind.HOT_SEAT, "program.errors.past"),
        (meeting(MeetingFormat.GROWTH, status=MeetingStatus.CANCELLED), SlotKind.HOT_SEAT, "program.errors.cancelled"),
    ],
)
def test_who_may_volunteer_where(target: Meeting, kind: SlotKind, reason: str | None) -> None:
    assert volunteer_refusal(target, kind, NOW) == reason


def test_one_growth_slot_and_a_fixed_number_of_intros() -> None:
    assert not growth_slot_taken([])
    assert growth_slot_taken([SlotKind.BRAG_SPOT])
    assert not growth_slot_taken([SlotKind.INTRO, SlotKind.INTRO])
    assert intro_slots_free([SlotKind.INTRO, SlotKind.INTRO], 3) == 1
    assert intro_slots_free([SlotKind.INTRO] * 4, 3) == 0


volunteers = st.lists(
    st.builds(
        Volunteer,
        user_id=st.integers(min_value=1, max_value=10**6),
        name=st.just("x"),
        kind=st.just(SlotKind.HOT_SEAT),
        topic=st.none(),
        status=st.just(SlotStatus.VOLUNTEERED),
        signed_up_at=st.datetimes(timezones=st.just(UTC)),
        last_slot_at=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))),
    ),
    unique_by=lambda v: v.user_id,
    max_size=20,
)


@given(volunteers)
def test_fairness_puts_newcomers_to_the_slot_first_then_the_longest_waiting(group: list[Volunteer]) -> None:
    ordered = fairness_order(group)
    assert sorted(v.user_id for v in ordered) == sorted(v.user_id for v in group)
    never = [v for v in ordered if v.last_slot_at is None]
    had = [v for v in ordered if v.last_slot_at is not None]
    assert ordered == never + had  # everyone who never had a slot comes before anyone who had one
    assert [v.signed_up_at for v in never] == sorted(v.signed_up_at for v in never)
    assert [v.last_slot_at for v in had] == sorted(v.last_slot_at for v in had if v.last_slot_at)
