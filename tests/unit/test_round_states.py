"""The timed-round state machine against a real SQLite file: no interleaving of planning, moving, cancelling,
claiming, finishing, retrying and restarting ever reopens a finished row or strands one in 'sending'."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from bot.meetings import MeetingFormat
from bot.rounds import MAX_ATTEMPTS, Round, RoundKind, RoundState, next_try
from db import meetings, rounds
from db.database import Database

START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
GUILD = 1
KIND = RoundKind.STILL_COMING
# A few meeting starts the organiser moves between, and due instants around the clock.
STARTS = [START + timedelta(days=days) for days in (10, 20, 30)]
FINISHED = (RoundState.SENT, RoundState.SKIPPED, RoundState.FAILED, RoundState.CANCELLED)
NEW_MEETING = meetings.NewMeeting(
    guild_id=GUILD,
    starts_at=STARTS[0],
    timezone=ZoneInfo("Europe/Copenhagen"),
    format=MeetingFormat.GROWTH,
    venue="Møn Bibliotek",
    created_by=1,
)


class RoundStates(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = tempfile.TemporaryDirectory()
        self.db = Database(Path(self.folder.name) / "bot.sqlite3")
        self.now = START
        self.finished: dict[int, RoundState] = {}  # every row ever seen finished, and how
        self.in_flight: set[int] = set()  # rows this "process" claimed and has not finished yet
        self.meeting_id = 0

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        self.run(self.db.close())
        self.loop.close()
        self.folder.cleanup()

    @initialize()
    def open_database(self) -> None:
        self.run(self.db.open())
        self.run(self.db.migrate())
        meeting = self.run(meetings.create_meeting(self.db, NEW_MEETING, START))
        self.meeting_id = meeting.id

    def rows(self) -> list[Round]:
        return list(self.run(rounds.for_meeting(self.db, self.meeting_id)))

    # -- what the bot does ------------------------------------------------------------------------------------------

    @rule(
        start=st.sampled_from(STARTS),
        before=st.integers(min_value=-3, max_value=15).map(lambda days: timedelta(days=days)),
        changed=st.booleans(),
    )
    def schedule(self, start: datetime, before: timedelta, changed: bool) -> None:
        """Publishing, editing (``changed``) or a start (re-planning from the stored meeting)."""
        done = any(row.planned_for == start and row.state in FINISHED[:3] for row in self.rows())
        known = {row.id for row in self.rows()}
        planned = self.run(
            rounds.schedule(
                self.db, GUILD, self.meeting_id, KIND, "", start - before, start, self.now, may_be_late=not changed
            )
        )
        if planned is not None and planned.id not in known:
            assert not done, "work already done for this meeting time was planned again"
            assert planned.due_at > self.now, "a row was created for a moment already past"

    @rule()
    def cancel_meeting(self) -> None:
        async def cancel() -> None:
            async with self.db.transaction() as conn:
                await rounds.cancel_pending_for_meeting(conn, self.meeting_id, "meeting cancelled", self.now)

        self.run(cancel())

    @rule()
    def add_one_off(self) -> None:
        self.run(rounds.create_one_off(self.db, GUILD, self.meeting_id, KIND, self.now, self.now))

    @rule(data=st.data())
    def claim(self, data: st.DataObject) -> None:
        rows = self.rows()
        row = data.draw(st.sampled_from(rows)) if rows else None
        if row is None:
            return
        claimed = self.run(rounds.claim(self.db, row.id, self.now))
        if claimed is not None:
            assert row.state in (RoundState.PENDING, RoundState.SENDING), "a finished row was claimed"
            assert row.state is RoundState.SENDING or row.wakes_at <= self.now, "claimed before its moment"
            self.in_flight.add(row.id)

    @precondition(lambda self: bool(self.in_flight))
    @rule(data=st.data(), state=st.sampled_from(FINISHED))
    def finish(self, data: st.DataObject, state: RoundState) -> None:
        round_id = data.draw(st.sampled_from(sorted(self.in_flight)))
        self.run(rounds.finish(self.db, round_id, state, "test", self.now))
        self.in_flight.discard(round_id)

    @precondition(lambda self: bool(self.in_flight))
    @rule(data=st.data())
    def fail_attempt(self, data: st.DataObject) -> None:
        """The runner's retry policy: back to pending with backoff, or given up after the last attempt."""
        round_id = data.draw(st.sampled_from(sorted(self.in_flight)))
        row = self.run(rounds.get(self.db, round_id))
        retry_at = next_try(row.attempts, self.now)
        if retry_at is None:
            assert row.attempts >= MAX_ATTEMPTS
            self.run(rounds.finish(self.db, round_id, RoundState.FAILED, "given up", self.now))
        else:
            self.run(rounds.retry_later(self.db, round_id, retry_at, "503", self.now))
        self.in_flight.discard(round_id)

    @rule(hours=st.integers(min_value=1, max_value=24 * 8))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule()
    def restart(self) -> None:
        """A crash or restart: whatever was in flight is lost in memory; the database must carry it."""
        self.in_flight.clear()
        resumable = {row.id for row in self.run(rounds.unfinished(self.db, GUILD))}
        stranded = [row.id for row in self.rows() if row.state is RoundState.SENDING and row.id not in resumable]
        assert not stranded, f"rows left sending with no resume: {stranded}"

    # -- what must always hold ----------------------------------------------------------------------------------------

    @invariant()
    def finished_rows_never_reopen(self) -> None:
        if not self.meeting_id:
            return
        for row in self.rows():
            if row.id in self.finished:
                assert row.state is self.finished[row.id], f"row {row.id} reopened: {self.finished[row.id]} → {row}"
            elif row.state.finished:
                self.finished[row.id] = row.state

    @invariant()
    def one_open_row_per_subject(self) -> None:
        if not self.meeting_id:
            return
        open_rows = [(row.kind, row.subject) for row in self.rows() if not row.state.finished]
        assert len(open_rows) == len(set(open_rows))

    @invariant()
    def done_work_is_never_planned_again(self) -> None:
        if not self.meeting_id:
            return
        planned = [row for row in self.rows() if row.planned_for is not None and row.state is not RoundState.CANCELLED]
        done_for = [row.planned_for for row in planned if row.state.finished]
        assert len(done_for) == len(set(done_for)), "two finished rows for the same meeting time"

    @invariant()
    def sending_rows_are_resumable(self) -> None:
        if not self.meeting_id:
            return
        resumable = {row.id for row in self.run(rounds.unfinished(self.db, GUILD))}
        assert all(row.id in resumable for row in self.rows() if row.state is RoundState.SENDING)


RoundStates.TestCase.settings = settings(max_examples=200, stateful_step_count=30)
TestRoundStates = RoundStates.TestCase


# -- the planning rules, case by case -----------------------------------------------------------------------------


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "bot.sqlite3")
    await database.open()
    await database.migrate()
    await meetings.create_meeting(database, NEW_MEETING, START)
    yield database
    await database.close()


MEETING_ID = 1  # the one meeting the fixture creates


async def schedule(db: Database, start: datetime, now: datetime, *, changed: bool) -> Round | None:
    return await rounds.schedule(
        db, GUILD, MEETING_ID, KIND, "", start - timedelta(days=2), start, now, may_be_late=not changed
    )


async def run_once(db: Database, row: Round, now: datetime, outcome: RoundState) -> None:
    assert await rounds.claim(db, row.id, now) is not None
    assert await rounds.finish(db, row.id, outcome, "test", now)


async def test_a_skipped_round_stays_skipped_across_restarts(db: Database) -> None:
    """Fault 1: "still coming?" skipped for lack of a waiting list must never come back at the next start."""
    row = await schedule(db, STARTS[0], START, changed=True)
    assert row is not None
    due = row.due_at
    await run_once(db, row, due, RoundState.SKIPPED)
    for restart_at in (due, due + timedelta(hours=1), STARTS[0] - timedelta(minutes=1)):
        assert await schedule(db, STARTS[0], restart_at, changed=False) is None
        assert await rounds.claim(db, row.id, restart_at) is None
    (only,) = await rounds.for_meeting(db, MEETING_ID)
    assert only.state is RoundState.SKIPPED and only.reason == "test"


async def test_done_work_is_not_repeated_but_a_move_makes_a_new_row(db: Database) -> None:
    first = await schedule(db, STARTS[0], START, changed=True)
    assert first is not None
    await run_once(db, first, first.due_at, RoundState.SENT)
    now = first.due_at + timedelta(hours=1)
    moved = await schedule(db, STARTS[1], now, changed=True)  # the meeting moved ten days later
    assert moved is not None and moved.id != first.id and moved.planned_for == STARTS[1]
    back = await schedule(db, STARTS[0], now, changed=True)  # and back: that time was done already
    assert back is None
    states = {row.id: row.state for row in await rounds.for_meeting(db, MEETING_ID)}
    assert states == {first.id: RoundState.SENT, moved.id: RoundState.CANCELLED}


async def test_a_move_inside_the_window_cancels_but_a_restart_sends_late(db: Database) -> None:
    row = await schedule(db, STARTS[1], START, changed=True)
    assert row is not None
    now = STARTS[0] - timedelta(days=1)  # after the moment for STARTS[0]
    late = await schedule(db, STARTS[1], STARTS[1] - timedelta(days=1), changed=False)
    assert late is not None and late.id == row.id and late.state is RoundState.PENDING  # missed while down
    assert await schedule(db, STARTS[0], now, changed=True) is None  # moved into the window
    (cancelled,) = await rounds.for_meeting(db, MEETING_ID)
    assert cancelled.state is RoundState.CANCELLED and cancelled.reason == "moved: its moment had passed"
    assert await schedule(db, STARTS[2], now, changed=False) is not None  # a later move: a new row


async def test_retries_keep_the_moment_and_one_offs_stand_apart(db: Database) -> None:
    row = await schedule(db, STARTS[0], START, changed=True)
    assert row is not None
    claimed = await rounds.claim(db, row.id, row.due_at)
    assert claimed is not None and claimed.attempts == 1
    await rounds.retry_later(db, row.id, row.due_at + timedelta(minutes=1), "503", row.due_at)
    assert await rounds.claim(db, row.id, row.due_at) is None  # not before the retry time
    retried = await rounds.claim(db, row.id, row.due_at + timedelta(minutes=1))
    assert retried is not None and retried.due_at == row.due_at and retried.attempts == 2
    extra = await rounds.create_one_off(db, GUILD, MEETING_ID, KIND, START, START)
    assert extra.subject == "2" and extra.planned_for is None


async def test_a_changed_setting_does_not_repeat_work_done_for_the_same_meeting_time(db: Database) -> None:
    """ "Still coming?" moved from 2 days to 1 day before (a settings change) after it went out: not sent again."""
    sent = await schedule(db, STARTS[0], START, changed=True)
    assert sent is not None
    await run_once(db, sent, sent.due_at, RoundState.SENT)
    later_due = STARTS[0] - timedelta(days=1)
    for changed in (True, False):
        again = await rounds.schedule(
            db, GUILD, MEETING_ID, KIND, "", later_due, STARTS[0], sent.due_at, may_be_late=not changed
        )
        assert again is None
    assert [row.id for row in await rounds.for_meeting(db, MEETING_ID)] == [sent.id]
