"""The one runner for every timed round: schedules rows from meetings, wakes them by timer, claims, delivers, retries.

Features register a handler per :class:`RoundKind`; the runner owns everything else, the same for every kind:

- the database row is the truth: a run claims it (pending → sending) before anything is sent, and finishes it
  (sent / skipped / failed / cancelled) afterwards — a finished row is never run again;
- one guard: a row never runs twice at once in this process (a timer and an explicit run may ask together);
- one retry policy: an exception puts the row back to pending with backoff, a bounded number of times, then it is
  given up, logged and told to the organisers;
- one resume: at start every unfinished row gets a timer, and a row left sending by a crash runs again with the
  recipients not yet reached (each delivery is recorded as it happens).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from datetime import datetime
from typing import ClassVar, Protocol, runtime_checkable

import discord

from bot.clock import Clock
from bot.config import Config
from bot.i18n import msgkey
from bot.meetings import Meeting, MeetingStatus
from bot.rounds import Outcome, RecipientsUnreachedError, Round, RoundKind, RoundState, next_try
from bot.timers import Timers
from db import meetings, rounds
from db.database import Database

log = logging.getLogger(__name__)

# Coming meetings scheduled at start; more than a season ahead is never needed.
PLANNING_HORIZON = 100


def timer_id(round_id: int) -> str:
    """The scheduler's id for a row's timer: one row never has two timers."""
    return f"round:{round_id}"


# Errors that mean Discord refused or failed, not that the bot is wrong: retried without a traceback.
_DISCORD_FAILING = (discord.HTTPException, RecipientsUnreachedError)


def describe(error: BaseException) -> str:
    if isinstance(error, discord.HTTPException):
        return f"{error.status} {error.code}: {error.text}"[:500]
    return f"{type(error).__name__}: {error}"[:500]


class RoundHandler(Protocol):
    """What one kind of round delivers (base classes for features: :mod:`cogs._rounds`)."""

    kind: ClassVar[RoundKind]

    async def deliver(self, row: Round) -> Outcome:
        """Do the work of a claimed row; raise to have it retried later."""
        ...

    async def at_start(self) -> None:
        """Schedule rows that belong to no meeting (the monthly post); the runner schedules meeting rows."""
        ...

    async def settings_changed(self) -> None:
        """Re-time rows that belong to no meeting after an organiser changed when they fall."""
        ...


@runtime_checkable
class MeetingRoundHandler(RoundHandler, Protocol):
    """A round tied to a meeting's time: the runner schedules it when the meeting is published, edited or cancelled."""

    def moments(self, meeting: Meeting) -> dict[str, datetime]:
        """Subject → due instant of this kind's rows for ``meeting`` (none: the meeting has no such round)."""
        ...

    def relevant(self, meeting: Meeting, now: datetime) -> bool:
        """Whether the round still makes sense when it runs late."""
        ...


class RunnerHost(Protocol):
    """What the runner needs of the bot that builds it."""

    db: Database
    config: Config
    clock: Clock
    timers: Timers

    @property
    def user(self) -> discord.ClientUser | None: ...

    def public_text(self, key: str, /, **params: object) -> str: ...

    def get_partial_messageable(
        self, id: int, *, guild_id: int | None = None, type: discord.ChannelType | None = None
    ) -> discord.PartialMessageable: ...


class RoundRunner:
    def __init__(self, bot: RunnerHost) -> None:
        self._bot = bot
        self._handlers: dict[RoundKind, RoundHandler] = {}
        # Each row's run is a task of the runner, not of whoever asked for it (a timer, a command): the asker may go
        # away without stopping it, and a graceful stop ends every run in one place (stop).
        self._running: dict[int, asyncio.Task[None]] = {}
        self._stopped = False
        self._scheduling = asyncio.Lock()

    def register(self, *handlers: RoundHandler) -> None:
        for handler in handlers:
            if handler.kind in self._handlers:
                raise ValueError(f"a handler for {handler.kind} is registered already")
            self._handlers[handler.kind] = handler

    @property
    def _meeting_rounds(self) -> list[MeetingRoundHandler]:
        return [handler for handler in self._handlers.values() if isinstance(handler, MeetingRoundHandler)]

    # -- scheduling -----------------------------------------------------------------------------------------------

    async def start(self, reconciling: Collection[int] = ()) -> None:
        """At start, before any announcement is reconciled: let handlers schedule the rows that belong to no meeting,
        and set a timer for every unfinished row but those of the meetings in ``reconciling`` (each is armed by
        :meth:`start_meeting` once its post was reconciled, so its reminder counts the reactions made while offline).
        Rows due while the bot was down run at once (sent late, or skipped if no longer relevant), and rows a crash
        left sending resume with the recipients not yet reached."""
        bot = self._bot
        for handler in self._handlers.values():
            await handler.at_start()
        unfinished = [
            row
            for row in await rounds.unfinished(bot.db, bot.config.discord.guild_id)
            if row.meeting_id is None or row.meeting_id not in reconciling
        ]
        for row in unfinished:
            self.arm(row)
        log.info("rounds armed", extra={"rounds": len(unfinished), "meetings_waiting": len(reconciling)})

    async def start_meeting(self, meeting: Meeting) -> None:
        """At start, once a coming meeting's post was reconciled, or failed to be (timed work never waits on Discord):
        schedule the meeting's rounds and set a timer for each of its unfinished rows."""
        await self.schedule_meeting(meeting, changed=False)
        unfinished = [row for row in await rounds.for_meeting(self._bot.db, meeting.id) if not row.state.finished]
        for row in unfinished:
            self.arm(row)
        log.info("meeting's rounds armed", extra={"meeting_id": meeting.id, "rounds": len(unfinished)})

    async def replan(self) -> None:
        """After an organiser changed a setting that times rounds (offsets, monthly post, time zone): re-time the
        coming rows. A moment that moved into the past is not sent at short notice, and work done is never redone."""
        bot = self._bot
        for meeting in await meetings.coming_meetings(
            bot.db, bot.config.discord.guild_id, bot.clock(), limit=PLANNING_HORIZON
        ):
            await self.schedule_meeting(meeting, changed=True)
        for handler in self._handlers.values():
            await handler.settings_changed()
        log.info("rounds re-planned after a settings change")

    async def schedule_meeting(self, meeting: Meeting, *, changed: bool) -> None:
        """Create, move or cancel the meeting's rows of every kind. ``changed``: an organiser just changed it, so a
        moment that has passed is not sent at short notice; at start a missed moment may still go out late."""
        bot = self._bot
        async with self._scheduling:
            current = await meetings.get_meeting(bot.db, meeting.guild_id, meeting.id) or meeting
            now = bot.clock()
            if current.status is MeetingStatus.CANCELLED:
                async with bot.db.transaction() as conn:
                    cancelled = await rounds.cancel_pending_for_meeting(
                        conn, current.id, "meeting cancelled", now, keep=(RoundKind.CANCEL_NOTICE,)
                    )
                for round_id in cancelled:
                    bot.timers.cancel(timer_id(round_id))
                return
            open_rows = [row for row in await rounds.for_meeting(bot.db, current.id) if not row.state.finished]
            for handler in self._meeting_rounds:
                moments = handler.moments(current)
                for row in open_rows:
                    # Rows scheduled from the meeting's time whose moment no longer exists (format or offsets changed).
                    if row.kind is handler.kind and row.planned_for is not None and row.subject not in moments:
                        await rounds.cancel_pending(
                            bot.db, row.guild_id, row.meeting_id, row.kind, row.subject, "no longer scheduled", now
                        )
                        bot.timers.cancel(timer_id(row.id))
                for subject, due in moments.items():
                    planned = await rounds.schedule(
                        bot.db,
                        current.guild_id,
                        current.id,
                        handler.kind,
                        subject,
                        due,
                        current.starts_at,
                        now,
                        may_be_late=not changed and handler.relevant(current, now),
                    )
                    if planned is not None:
                        self.arm(planned)
                    else:
                        self._drop_timers(open_rows, handler.kind, subject)

    def _drop_timers(self, open_rows: list[Round], kind: RoundKind, subject: str) -> None:
        for row in open_rows:
            if row.kind is kind and row.subject == subject:
                self._bot.timers.cancel(timer_id(row.id))

    async def plan(self, kind: RoundKind, subject: str, due: datetime, *, may_be_late: bool = False) -> None:
        """Create or move the open row of a round that belongs to no meeting (a monthly post, a poll's close, a
        backup, a leaver's erasure) and set its timer; a row done for ``subject`` already is never planned again."""
        bot = self._bot
        planned = await rounds.schedule(
            bot.db, bot.config.discord.guild_id, None, kind, subject, due, None, bot.clock(), may_be_late=may_be_late
        )
        if planned is not None:
            self.arm(planned)

    async def cancel(self, kind: RoundKind, subject: str, reason: str) -> None:
        """Cancel the pending row of a round that belongs to no meeting, and its timer."""
        bot = self._bot
        round_id = await rounds.cancel_pending(
            bot.db, bot.config.discord.guild_id, None, kind, subject, reason, bot.clock()
        )
        if round_id is not None:
            bot.timers.cancel(timer_id(round_id))

    async def cancel_all_but(self, kind: RoundKind, subject: str, reason: str) -> None:
        """Cancel every pending row of a round that belongs to no meeting except the one for ``subject``."""
        bot = self._bot
        for round_id in await rounds.cancel_pending_except(
            bot.db, bot.config.discord.guild_id, kind, subject, reason, bot.clock()
        ):
            bot.timers.cancel(timer_id(round_id))

    async def add_now(self, guild_id: int, meeting_id: int, kind: RoundKind) -> Round:
        """A one-off round due now (a hot-seat brief saved after its planned moment), armed at once."""
        return await self.add_one_off(guild_id, meeting_id, kind, self._bot.clock())

    async def add_one_off(self, guild_id: int, meeting_id: int, kind: RoundKind, due: datetime) -> Round:
        """A one-off round of a meeting due at ``due``, armed at once."""
        row = await rounds.create_one_off(self._bot.db, guild_id, meeting_id, kind, due, self._bot.clock())
        self.arm(row)
        return row

    async def run_briefly(self, round_id: int, patience: float) -> None:
        """Run a row written just now (due at once) and wait for it at most ``patience`` seconds, so the answer to a
        member can say whether it went out; a slower run goes on without them, and a failed one is retried."""
        task = self._start(round_id)
        if task is not None:
            await asyncio.wait({task}, timeout=patience)

    def arm(self, row: Round) -> None:
        round_id = row.id
        self._bot.timers.at(timer_id(round_id), row.wakes_at, lambda: self._start(round_id))

    # -- running ----------------------------------------------------------------------------------------------------

    async def run_due(self) -> None:
        """Run every row due by the bot's clock, soonest first (tests move the clock, then call this)."""
        now = self._bot.clock()
        for row in await rounds.unfinished(self._bot.db, self._bot.config.discord.guild_id):
            if row.wakes_at <= now:
                await self.run(row.id)

    @property
    def busy(self) -> bool:
        """Whether a row is running in this process (tests wait for it to settle)."""
        return bool(self._running)

    async def run(self, round_id: int) -> None:
        """Run the row if it is due and wait for it; a row already running is not started twice, its run is awaited
        instead. After ``stop`` nothing runs: the row is taken up at the next start."""
        task = self._start(round_id)
        if task is not None:
            await asyncio.wait({task})  # a run ended by stop() is no error of the asker's

    async def stop(self) -> None:
        """At a graceful stop: end every run in flight. Each row left sending says so once and resumes at the next
        start with the recipients not yet reached; a row not yet claimed is still pending and is armed again."""
        self._stopped = True
        running = list(self._running.values())
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)

    def _start(self, round_id: int) -> asyncio.Task[None] | None:
        if self._stopped:
            return None
        task = self._running.get(round_id)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._run_logged(round_id), name=timer_id(round_id))
            self._running[round_id] = task
            task.add_done_callback(lambda done: self._forget(round_id, done))
        return task

    def _forget(self, round_id: int, task: asyncio.Task[None]) -> None:
        if self._running.get(round_id) is task:
            del self._running[round_id]

    async def _run_logged(self, round_id: int) -> None:
        try:
            await self._run(round_id)
        except Exception:
            # A failure outside delivery (the database): the row keeps its state and is taken up at the next start.
            log.exception("round run failed", extra={"round_id": round_id})

    async def _run(self, round_id: int) -> None:
        bot = self._bot
        current = await rounds.get(bot.db, round_id)
        if current is None or current.state.finished:
            return
        if current.state is RoundState.PENDING and current.wakes_at > bot.clock():
            self.arm(current)  # moved later since the timer was set
            return
        row = await rounds.claim(bot.db, round_id, bot.clock())
        if row is None:
            return
        handler = self._handlers.get(row.kind)
        if handler is None:
            await rounds.finish(bot.db, row.id, RoundState.FAILED, "no handler for this kind", bot.clock())
            log.error("round has no handler", extra={"round_id": row.id, "kind": row.kind})
            return
        try:
            outcome = await handler.deliver(row)
        except asyncio.CancelledError:
            # Only stop() (a graceful stop) cancels a run; what was delivered is recorded, the row stays sending.
            log.info(
                "round interrupted, resumes at start",
                extra={"round_id": row.id, "kind": row.kind, "subject": row.subject, "meeting_id": row.meeting_id},
            )
            raise
        except Exception as error:
            await self._failed_attempt(row, error)
            return
        await rounds.finish(bot.db, row.id, outcome.state, outcome.reason, bot.clock())
        log.info(
            "round finished",
            extra={
                "round_id": row.id,
                "kind": row.kind,
                "subject": row.subject,
                "meeting_id": row.meeting_id,
                "state": outcome.state,
                "reason": outcome.reason,
                "attempt": row.attempts,
            },
        )

    async def _failed_attempt(self, row: Round, error: Exception) -> None:
        bot = self._bot
        now = bot.clock()
        note = describe(error)
        extra = {"round_id": row.id, "kind": row.kind, "attempt": row.attempts, "error": note}
        retry_at = next_try(row.attempts, now)
        if retry_at is not None:
            if isinstance(error, _DISCORD_FAILING):  # for a moment, as Discord does: no traceback
                log.warning("round failed, retrying", extra=extra)
            else:
                log.error("round failed, retrying", exc_info=error, extra=extra)
            await rounds.retry_later(bot.db, row.id, retry_at, note, now)
            refreshed = await rounds.get(bot.db, row.id)
            if refreshed is not None and refreshed.state is RoundState.PENDING:
                self.arm(refreshed)
            return
        # The organisers hear of it by a round written with the failure; a notice given up itself is only logged.
        cause = "discord" if isinstance(error, _DISCORD_FAILING) else "error"
        notice = None if row.kind is RoundKind.GIVEN_UP else f"{row.id}:{cause}"
        told = await rounds.give_up(bot.db, row.id, note, now, notice=notice)
        log.error("round given up", extra=extra)
        if told is not None:
            self.arm(told)


# What organisers read when a round of this kind is given up.
KIND_NAME_KEYS = {
    RoundKind.REMINDER: msgkey("round.kind.reminder"),
    RoundKind.MONTHLY: msgkey("round.kind.monthly"),
    RoundKind.MANUAL_REMINDER: msgkey("round.kind.manual_reminder"),
    RoundKind.STILL_COMING: msgkey("round.kind.still_coming"),
    RoundKind.INTRO_INVITE: msgkey("round.kind.intro_invite"),
    RoundKind.HOTSEAT_BRIEF: msgkey("round.kind.hotseat_brief"),
    RoundKind.CHECKIN_OPEN: msgkey("round.kind.checkin_open"),
    RoundKind.CHECKIN_CLOSE: msgkey("round.kind.checkin_close"),
    RoundKind.FEEDBACK_POLL: msgkey("round.kind.feedback"),
    RoundKind.FEEDBACK_CLOSE: msgkey("round.kind.feedback_close"),
    RoundKind.POLL_CLOSE: msgkey("round.kind.poll_close"),
    RoundKind.CANCEL_NOTICE: msgkey("round.kind.cancel_notice"),
    RoundKind.CHANGE_NOTICE: msgkey("round.kind.change_notice"),
    RoundKind.EVENT_SYNC: msgkey("round.kind.event_sync"),
    RoundKind.BACKUP: msgkey("round.kind.backup"),
    RoundKind.SUGGESTIONS: msgkey("profiles.round_kind"),
    RoundKind.LEAVER_ERASURE: msgkey("round.kind.leaver_erasure"),
    RoundKind.RETENTION: msgkey("round.kind.retention"),
    RoundKind.RECONCILE: msgkey("round.kind.reconcile"),
    RoundKind.PROMOTED: msgkey("round.kind.promoted"),
    RoundKind.WAITLISTED: msgkey("round.kind.waitlisted"),
    RoundKind.INTRO_PROMOTED: msgkey("round.kind.intro_promoted"),
    RoundKind.SLOT_WITHDRAWN: msgkey("round.kind.slot_withdrawn"),
    RoundKind.SLOT_FREED: msgkey("round.kind.slot_freed"),
    RoundKind.TOPIC_POST_REMOVAL: msgkey("round.kind.topic_post_removal"),
    RoundKind.VOLUNTEERED: msgkey("round.kind.volunteered"),
    RoundKind.ASSIGNED: msgkey("round.kind.assigned"),
    RoundKind.TOPIC_POST: msgkey("round.kind.topic_post"),
    RoundKind.POLL_POST: msgkey("round.kind.poll_post"),
    RoundKind.FAN_OUT_REPORT: msgkey("round.kind.fan_out_report"),
    RoundKind.GIVEN_UP: msgkey("round.kind.given_up"),
    RoundKind.WELCOME: msgkey("round.kind.welcome"),
}
