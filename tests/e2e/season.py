"""A season of the network, simulated end to end: the real bot against the emulator with Discord's rate limits on.

An organiser plans the meetings with ``/meeting plan`` and gives some a capacity; members answer with reactions,
switch and take their answers back, bring guests, volunteer for the hot seat, present as newcomers, fill in profiles,
turn reminder DMs off, close their DMs, leave the server or erase themselves. The bot's clock (shared with the
emulator) is walked through every timed round of every meeting, and the season is interrupted: graceful restarts at
random instants (some twice at one instant), ``kill -9`` in the middle of fan-outs, bursts of 429s and of 5xx
answers, and a gateway drop. Everything random comes from one ``random.Random(seed)``, so a seed replays the same
season; where the event loop's interleaving makes exact counts vary, the checks are invariants:

- no member got two identical DMs (a "waiting list" or "seat freed" DM may repeat only as often as the member
  answered ✅ to that meeting: each ✅ can put them on the list and move them up once);
- each reminder (meeting, offset) reaches a member at most once, and at least once when the bot was up in time: an
  up interval ``[a, b)`` of the bot (by the shared clock) with ``max(a, due) < min(b, start)``, for each member
  who kept the same going or maybe answer from before the reminder was due until the meeting began, accepts DMs,
  kept reminder DMs on and was still a member who had not erased their data when it began;
- "Still coming?" only for meetings that were full (people on the waiting list, as the post showed) when asked;
- every announcement's counts equal the reactions on it (✅ = going + waiting, ❔ = maybe, ❌ = not going; the
  reactions of members still in the server, other than the bot's own);
- no traceback in the bot's logs, except those logged while a fault was being injected (a kill);
- SQLite's integrity check passes on the bot's database.

``tests/e2e/test_season.py`` runs a short season in CI; ``bench/season.py`` runs long ones and prints the tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import io
import itertools
import json
import logging
import random
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.client import MikroVirkBot
from bot.config import LANGUAGES
from bot.i18n import Catalogue, default_catalogue
from bot.logs import configure_logging
from bot.meetings import Meeting, MeetingFormat
from bot.render import meeting_label
from bot.rounds import Round, RoundKind
from db import meetings, rounds, rsvps
from tests.e2e.conftest import START, RunningBot, Server, settle_bot
from tests.fakediscord import FakeMessage, FakeUser, iter_components

GOING, MAYBE, NOT_GOING = "✅", "❔", "❌"
ANSWERS = (GOING, MAYBE, NOT_GOING)
CANT_COME = "can't come"  # "Can't come" on "Still coming?": not going, with no ❌ reaction to show for it
MESSAGE_ROUTE = "POST /channels/{channel_id}/messages"
FAN_OUTS = frozenset(
    {
        RoundKind.REMINDER,
        RoundKind.STILL_COMING,
        RoundKind.FEEDBACK_POLL,
        RoundKind.SUGGESTIONS,
        RoundKind.INTRO_INVITE,
        RoundKind.CHANGE_NOTICE,
        RoundKind.CANCEL_NOTICE,
    }
)
# Catalogue keys of the messages the table names; any other text is named by its own key.
KIND_NAMES = {
    "reminder.dm": "reminder DM",
    "reminder.title": "reminder post",
    "still.question": "still coming",
    "feedback.dm": "feedback poll DM",
    "feedback.title": "feedback poll post",
    "welcome.dm": "welcome DM",
    "welcome.channel": "welcome post (DMs closed)",
    "intro.invitation": "intro invitation",
    "rsvp.waitlisted": "waiting list DM",
    "rsvp.promoted": "seat freed DM",
    "program.assigned_dm": "hot seat DM",
    "monthly.title": "monthly post",
    "meeting.card.title": "announcement",
    "feedback.results_title": "feedback poll post",
    "feedback.closed_notice": "feedback summary (organisers)",
    "program.organiser_notice": "volunteer notice (organisers)",
    "profiles.suggest.heading": "worth meeting DM",
    "profiles.suggest.nobody": "worth meeting DM (nobody)",
}


# Texts put before or after another one in the same message; the message is named by the other.
MODIFIERS = frozenset({"reminder.late", "reminder.dm_off_hint", "profiles.welcome_invite"})


# -- what to simulate --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeasonSize:
    meetings: int
    members: int
    # The bot's own pause between DMs (Discord's limits stay on in the emulator); the default 0.25 s would make a
    # season of several thousand DMs take an hour of wall time.
    dm_interval: float = 0.02


@dataclass
class Person:
    user: FakeUser
    accepts_dms: bool
    joins_at: datetime | None = None  # joins during the season (welcomed), else a member from the start
    left_at: datetime | None = None
    forgotten_at: datetime | None = None
    reminders_off_at: datetime | None = None
    # meeting id -> (instant, answer or None) in the order the member changed it
    answers: dict[int, list[tuple[datetime, str | None]]] = field(default_factory=lambda: defaultdict(list))
    going_added: Counter[int] = field(default_factory=Counter)

    def answer_at(self, meeting_id: int, instant: datetime) -> str | None:
        current = None
        for when, answer in self.answers[meeting_id]:
            if when <= instant:
                current = answer
        return current

    def steady(self, meeting_id: int, since: datetime, until: datetime) -> str | None:
        """The answer held unchanged over [since, until], or None."""
        answer = self.answer_at(meeting_id, since)
        if any(since < when <= until for when, _ in self.answers[meeting_id]):
            return None
        return answer

    def member_at(self, instant: datetime) -> bool:
        joined = self.joins_at is None or self.joins_at <= instant
        gone = (self.left_at is not None and self.left_at <= instant) or (
            self.forgotten_at is not None and self.forgotten_at <= instant
        )
        return joined and not gone


@dataclass(order=True)
class Action:
    at: datetime
    order: int
    name: str = field(compare=False)
    run: Callable[[], Awaitable[None]] = field(compare=False)
    needs_bot: bool = field(default=True, compare=False)


@dataclass
class SeasonReport:
    seed: int
    size: SeasonSize
    problems: list[str] = field(default_factory=list)
    table: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, meeting) -> messages
    faults: Counter[str] = field(default_factory=Counter)
    checked: Counter[str] = field(default_factory=Counter)  # how much each check looked at
    timeline: list[str] = field(default_factory=list)  # the faults and the bot's starts and stops, by the clock
    steps: int = 0
    wall_seconds: float = 0.0

    def render(self) -> str:
        """The messages per kind and meeting as a markdown table, then the faults injected."""
        meeting_columns = sorted({m for _, m in self.table}, key=lambda m: (m == "—", m))
        lines = [
            "| kind | " + " | ".join(meeting_columns) + " | total |",
            "|---|" + "---:|" * (len(meeting_columns) + 1),
        ]
        for kind in sorted({k for k, _ in self.table}):
            counts = [self.table[(kind, m)] for m in meeting_columns]
            lines.append(f"| {kind} | " + " | ".join(str(c or "") for c in counts) + f" | {sum(counts)} |")
        faults = ", ".join(f"{name} ×{count}" for name, count in sorted(self.faults.items()))
        lines.append("")
        lines.append(f"seed {self.seed}: {self.steps} steps, faults: {faults or 'none'}")
        lines.append("checked: " + ", ".join(f"{what} {count}" for what, count in sorted(self.checked.items())))
        return "\n".join(lines)


# -- reading what the bot sent ---------------------------------------------------------------------------------------


class Texts:
    """Tells which catalogue text a message is, by matching every text of both languages as a pattern."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._patterns: list[tuple[str, str, re.Pattern[str], int]] = []
        for language in LANGUAGES:
            for key in catalogue.keys(language):
                raw = catalogue.raw(language, key) or ""
                parts = re.split(r"\{[a-z_]+\}", raw)
                literal = max(parts, key=len)
                if len(literal) < 8 or key.startswith("cmd."):
                    continue
                pattern = re.compile("(?m)^" + ".*?".join(re.escape(part) for part in parts), re.DOTALL)
                self._patterns.append((literal, key, pattern, sum(map(len, parts))))

    def key_of(self, text: str) -> str | None:
        """The text the message begins with (leaving out notes put before or after it, like "sent late")."""
        best: tuple[int, int, str] | None = None
        for literal, key, pattern, weight in self._patterns:
            if key in MODIFIERS or literal not in text:
                continue
            found = pattern.search(text)
            if found is not None and (best is None or (found.start(), -weight) < best[:2]):
                best = (found.start(), -weight, key)
        return None if best is None else best[2]


def message_parts(message: FakeMessage, sent: dict[str, Any] | None = None) -> list[str]:
    """The texts of a message in reading order: content, then each embed's title, description, fields, footer; as
    it was sent when ``sent`` (its create payload) is given, else as it reads now."""
    content, embeds = (sent.get("content"), sent.get("embeds") or []) if sent else (message.content, message.embeds)
    parts = [content or ""]
    for embed in embeds:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{item.get('name', '')}\n{item.get('value', '')}" for item in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return [part for part in parts if part]


def message_text(message: FakeMessage, sent: dict[str, Any] | None = None) -> str:
    return "\n".join(message_parts(message, sent))


def components_of(message: FakeMessage) -> list[str]:
    return [c.get("custom_id", "") for c in iter_components(message.components)]


# -- the season -------------------------------------------------------------------------------------------------------


class Season:
    """One seeded season on a fresh emulator server (``tests/e2e/conftest.py``'s ``server``)."""

    def __init__(
        self, server: Server, size: SeasonSize, seed: int, progress: Callable[[str], None] | None = None
    ) -> None:
        self.server = server
        self.progress = progress
        self.emu = server.emu
        self.size = size
        self.seed = seed
        self.rng = random.Random(seed)
        self.runner = RunningBot(server)
        self.catalogue = default_catalogue()
        self.texts = Texts(self.catalogue)
        self.report = SeasonReport(seed, size)
        self.people: list[Person] = []
        self.meetings: dict[int, Meeting] = {}
        self.posts: dict[int, FakeMessage] = {}
        self.agenda: list[Action] = []
        self._order = itertools.count()
        self.up_since: datetime | None = None
        self.up_intervals: list[tuple[datetime, datetime]] = []
        self.pending_kill: int | None = None  # kill after this many DMs of the next fan-out
        self.pending_stop: int | None = None  # a graceful restart after this many DMs of the next fan-out
        self.pending_storms: list[Callable[[], None]] = []  # injected when the next fan-out runs
        self.fault_log_spans: list[tuple[int, int]] = []  # log offsets written while a kill was under way
        # (meeting, kind, subject) -> the waiting list its post showed when the round first ran
        self.waiting_shown: dict[tuple[int, RoundKind, str], int] = {}
        self.log = io.StringIO()
        self._created: dict[int, dict[str, Any]] = {}
        self._requests_read = 0

    @property
    def clock(self) -> datetime:
        return self.server.clock.now

    @property
    def bot(self) -> MikroVirkBot:
        assert self.runner.bot is not None, "the bot is down"
        return self.runner.bot

    # -- the run ------------------------------------------------------------------------------------------------------

    async def run(self) -> SeasonReport:
        loop = asyncio.get_running_loop()
        began = self._began = loop.time()
        configure_logging(logging.INFO, secrets=[self.emu.token], stream=self.log)
        try:
            self._add_people()
            await self._start()
            await self._plan_meetings()
            self._plan_agenda()
            await self._walk()
            await self._start()  # a kill near the end may have left it down
            await self._settle_all()
            await self._check()
        finally:
            await self._stop()
            logging.getLogger().handlers.clear()
        self._check_logs()
        self._check_database()
        self.report.wall_seconds = loop.time() - began
        return self.report

    def _add_people(self) -> None:
        rng, size = self.rng, self.size
        for index in range(size.members):
            locale = "da" if rng.random() < 0.8 else "en-US"
            accepts = rng.random() > 0.1
            user = self.emu.add_user(f"Medlem{index:03d}", locale=locale, accepts_dms=accepts)
            newcomer = rng.random() < 0.15
            joined = START - timedelta(days=rng.randint(5, 60) if newcomer else rng.randint(200, 2000))
            person = Person(user, accepts)
            if newcomer and rng.random() < 0.5:
                person.joins_at = START + timedelta(days=rng.uniform(1, 40))
            else:
                self.server.guild.add_member(user, joined_at=joined)
            self.people.append(person)

    async def _plan_meetings(self) -> None:
        emu, server = self.emu, self.server
        preview = await emu.run_command(
            server.organiser,
            server.announcements,
            "meeting plan",
            options={"first_date": "7/12/2026", "months": self.size.meetings, "first_format": "2.0"},
        )
        confirm = next(c["custom_id"] for c in iter_components(preview.components) if c.get("label") == "Opret")
        done = await emu.click(server.organiser, preview.message, confirm)
        await emu.wait_for(lambda: "møder oprettet" in (done.content or ""), timeout=60)
        await self._settle()
        for meeting in await meetings.coming_meetings(self.bot.db, server.config.discord.guild_id, self.clock, 100):
            self.meetings[meeting.id] = meeting
            assert meeting.announcement_message_id is not None
            self.posts[meeting.id] = emu.get_message(meeting.announcement_message_id)
        assert len(self.meetings) == self.size.meetings, (done.content, self.clock, self.meetings)
        # Every second meeting has room for about a third of the network: waiting lists form.
        for meeting_id in list(self.meetings)[1::2]:
            capacity = max(3, self.size.members // 3)
            await self._command(server.organiser, "meeting edit", {"meeting": str(meeting_id), "capacity": capacity})
        await self._settle()
        for meeting_id in self.meetings:
            found = await meetings.get_meeting(self.bot.db, server.config.discord.guild_id, meeting_id)
            assert found is not None
            self.meetings[meeting_id] = found

    # -- the agenda: what members do, and the faults ----------------------------------------------------------------

    def _at(self, at: datetime, name: str, run: Callable[[], Awaitable[None]], *, needs_bot: bool = True) -> None:
        heapq.heappush(self.agenda, Action(at, next(self._order), name, run, needs_bot))

    def _between(self, start: datetime, end: datetime) -> datetime:
        seconds = max((end - start).total_seconds(), 0.0)
        return start + timedelta(seconds=round(self.rng.uniform(0, seconds)))

    def _plan_agenda(self) -> None:
        rng = self.rng
        now = self.clock
        first = min(m.starts_at for m in self.meetings.values())
        last_end = max(m.ends_at for m in self.meetings.values())
        self.season_end = last_end + timedelta(days=8)
        for person in self.people:
            if person.joins_at is not None:
                self._at(person.joins_at, "join", self._join(person), needs_bot=False)
        for meeting in self.meetings.values():
            self._plan_answers(meeting)
        for person in rng.sample(self.people, k=max(2, len(self.people) // 10)):
            at = self._between(now, first + timedelta(days=20))
            person.reminders_off_at = at
            self._at(at, "reminders off", self._reminders_off(person))
        for person in rng.sample(self.people, k=max(3, len(self.people) // 4)):
            self._at(self._between(now, last_end), "profile", self._profile(person))
        guests = [p for p in self.people if p.joins_at is None]
        for meeting in self.meetings.values():
            for person in rng.sample(guests, k=min(len(guests), 3)):
                self._at(
                    self._between(now, meeting.starts_at - timedelta(hours=3)), "guest", self._guest(person, meeting)
                )
            if meeting.format is MeetingFormat.GROWTH:
                volunteers = rng.sample(guests, k=min(len(guests), 3))
                for person in volunteers:
                    self._at(
                        self._between(now, meeting.starts_at - timedelta(days=4)),
                        "hotseat",
                        self._hotseat(person, meeting),
                    )
                self._at(meeting.starts_at - timedelta(days=3), "assign", self._assign(volunteers[0], meeting))
            self._at(meeting.starts_at + timedelta(minutes=15), "check in", self._check_in(meeting))
            self._at(meeting.ends_at - timedelta(minutes=1), "post check", self._post_check(meeting.id))
            self._at(meeting.ends_at + timedelta(hours=3), "feedback", self._rate(meeting))
            self._at(
                meeting.starts_at - timedelta(hours=30), "still coming answers", self._still_coming_answers(meeting)
            )
            self._at(meeting.starts_at - timedelta(days=6), "intro answers", self._intro_answers(meeting))
        stayers = [p for p in self.people if p.joins_at is None]
        leaver, forgetter = rng.sample(stayers, k=2)
        leaver.left_at = self._between(first, last_end)
        self._at(leaver.left_at, "leave", self._leave(leaver), needs_bot=False)
        forgetter.forgotten_at = self._between(first, last_end)
        self._at(forgetter.forgotten_at, "forget", self._forget(forgetter))
        self._plan_faults(now, last_end)

    def _plan_answers(self, meeting: Meeting) -> None:
        rng = self.rng
        opens = self.clock + timedelta(minutes=5)
        for person in self.people:
            if rng.random() > 0.7:
                continue
            start = max(opens, person.joins_at or opens)
            closes = (
                meeting.starts_at - timedelta(hours=2)
                if rng.random() < 0.95
                else meeting.ends_at - timedelta(minutes=30)
            )
            if start >= closes:
                continue
            first = self._between(start, closes)
            answer = rng.choices(ANSWERS, weights=(6, 2, 2))[0]
            self._at(first, "answer", self._react(person, meeting, answer), needs_bot=False)
            if rng.random() < 0.25:
                other = rng.choice([a for a in ANSWERS if a != answer])
                self._at(self._between(first, closes), "switch", self._react(person, meeting, other), needs_bot=False)
            elif rng.random() < 0.1:
                self._at(self._between(first, closes), "remove", self._unreact(person, meeting), needs_bot=False)

    def _plan_faults(self, begin: datetime, end: datetime) -> None:
        rng = self.rng
        for _ in range(3 + self.size.meetings):
            at = self._between(begin, end)
            self._at(at, "restart", self._restart(twice=rng.random() < 0.35))
        for _ in range(max(2, self.size.meetings - 1)):
            self._at(self._between(begin, end), "kill in fan-out", self._arm_kill(rng.randint(1, 12)), needs_bot=False)
        self._at(self._between(begin, end), "restart in fan-out", self._arm_stop(rng.randint(1, 8)), needs_bot=False)
        for _ in range(2 + self.size.meetings // 2):
            self._at(self._between(begin, end), "429 storm", self._storm_429(), needs_bot=False)
            self._at(self._between(begin, end), "5xx storm", self._storm_5xx(), needs_bot=False)
        self._at(self._between(begin, end), "gateway drop", self._gateway_drop())
        self._at(self._between(begin, end), "gateway outage", self._gateway_outage())

    # -- the walk -----------------------------------------------------------------------------------------------------

    async def _walk(self) -> None:
        while True:
            due_round = await self._next_round() if self.runner.bot is not None else None
            due_action = self.agenda[0].at if self.agenda else None  # down: also the start that follows a kill
            candidates = [t for t in (due_round, due_action) if t is not None and t <= self.season_end]
            if not candidates:
                break
            instant = min(candidates)
            self.server.clock.now = max(self.clock, instant)
            self.report.steps += 1
            if due_action is not None and due_action <= instant:
                action = heapq.heappop(self.agenda)
                self._tell(action.name)
                if action.needs_bot and self.runner.bot is None:
                    await self._start()
                await action.run()
                if action.needs_bot:
                    # Members' reactions are not waited for: they pile up as on Discord and the bot takes them as
                    # they come; everything else (and every round) waits until the bot has answered.
                    await self._settle()
            else:
                self._tell("rounds")
                await self._run_rounds()

    def _fault(self, name: str) -> None:
        self.report.faults[name] += 1
        self.report.timeline.append(f"{self.clock:%Y-%m-%d %H:%M} {name}")

    def _tell(self, what: str) -> None:
        if self.progress is not None:
            state = "up" if self.runner.bot else "down"
            elapsed = asyncio.get_running_loop().time() - self._began
            self.progress(f"{elapsed:7.1f} s step {self.report.steps} {self.clock:%Y-%m-%d %H:%M} {what} (bot {state})")

    async def _next_round(self) -> datetime | None:
        unfinished = await rounds.unfinished(self.bot.db, self.server.config.discord.guild_id)
        return min((row.wakes_at for row in unfinished), default=None)

    async def _due_rows(self) -> list[Round]:
        unfinished = await rounds.unfinished(self.bot.db, self.server.config.discord.guild_id)
        return [row for row in unfinished if row.wakes_at <= self.clock]

    async def _run_rounds(self) -> None:
        due = await self._due_rows()
        if any(row.kind in (RoundKind.STILL_COMING, RoundKind.REMINDER) for row in due):
            await self._settle_all()  # the post shows what the bot knows when the round runs
        for row in due:
            if row.meeting_id is not None and row.kind in (RoundKind.STILL_COMING, RoundKind.REMINDER):
                waiting = self._post_counts(row.meeting_id)["waiting"]
                self.waiting_shown.setdefault((row.meeting_id, row.kind, row.subject), waiting)
        fan_out = any(row.kind in FAN_OUTS for row in due)
        if fan_out and (self.pending_kill is not None or self.pending_stop is not None):
            await self._interrupt_fan_out()
            return
        storms, self.pending_storms = (self.pending_storms, []) if fan_out else ([], self.pending_storms)
        for storm in storms:
            storm()
        await self.bot.rounds.run_due()
        await self._settle()
        if storms:  # a storm is over once the fan-out it met is done
            self.emu.stop_refusing()
            for left in self.emu.limiter.storms:
                left.times = 0

    async def _interrupt_fan_out(self) -> None:
        before = self._dm_count()
        kill = self.pending_kill is not None
        after = self.pending_kill if kill else self.pending_stop
        assert after is not None
        for row in await self._due_rows():
            self.bot.rounds.arm(row)  # as in production: the timers run them, so a stop meets them in flight

        async def reached() -> bool:
            return self._dm_count() - before >= after or not await self._due_rows()

        await self.emu.wait_for(reached, timeout=120)
        if self._dm_count() - before < after:
            await self._settle()
            return  # the fan-out was shorter: the fault waits for the next one
        if kill:
            self.pending_kill = None
            self._fault("kill -9 in fan-out")
            offset = self.log.tell()
            await self.runner.kill()
            self.fault_log_spans.append((offset, self.log.tell()))
            self._went_down()
            delay = self.rng.choice([timedelta(0), timedelta(minutes=2), timedelta(minutes=20), timedelta(hours=5)])
            self._at(self.clock + delay, "start after kill", self._start, needs_bot=False)
        else:
            self.pending_stop = None
            self._fault("restart in fan-out")
            await self._stop()
            await self._start()

    # -- the bot's lifetime -------------------------------------------------------------------------------------------

    async def _start(self) -> None:
        if self.runner.bot is not None:
            return
        bot = await self.runner.start()
        self.report.timeline.append(f"{self.clock:%Y-%m-%d %H:%M} started")
        bot.dm.interval = self.size.dm_interval
        self.up_since = self.clock
        await self._settle()

    async def _stop(self) -> None:
        if self.runner.bot is None:
            return
        await self.runner.stop()
        self._went_down()

    def _went_down(self) -> None:
        self.report.timeline.append(f"{self.clock:%Y-%m-%d %H:%M} down")
        if self.up_since is not None:
            self.up_intervals.append((self.up_since, self.clock))
        self.up_since = None

    async def _settle(self) -> None:
        """Wait until the bot has taken in everything sent so far and answered it, but not for its coalesced
        announcement edits: those trail behind in real time, as on Discord."""
        if self.runner.bot is not None:
            await settle_bot(self.runner.bot, timeout=120, edits=False)

    async def _settle_all(self) -> None:
        """Everything, the announcement edits too (before the final checks)."""
        if self.runner.bot is not None:
            await settle_bot(self.runner.bot, timeout=120)

    # -- members ------------------------------------------------------------------------------------------------------

    def _react(self, person: Person, meeting: Meeting, answer: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if not person.member_at(self.clock):
                return
            post = self.posts[meeting.id]
            for other in ANSWERS:
                # A member's old reaction is taken away by the bot; when it is down, the member does it themselves.
                if other != answer and person.user.id in post.reactions.get(other, []) and self.runner.bot is None:
                    await self.emu.unreact(person.user, post, other)
            await self.emu.react(person.user, post, answer)
            person.answers[meeting.id].append((self.clock, answer))
            if answer == GOING:
                person.going_added[meeting.id] += 1

        return run

    def _unreact(self, person: Person, meeting: Meeting) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if not person.member_at(self.clock):
                return
            post = self.posts[meeting.id]
            mine = [answer for answer in ANSWERS if person.user.id in post.reactions.get(answer, [])]
            for answer in mine:
                await self.emu.unreact(person.user, post, answer)
            # "Can't come" stands when the ✅ it made stale is taken off by the member rather than by the bot, and
            # when there was nothing to take back at all.
            if mine and person.answer_at(meeting.id, self.clock) != CANT_COME:
                person.answers[meeting.id].append((self.clock, None))

        return run

    def _join(self, person: Person) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await self.emu.member_join(self.server.guild, person.user)

        return run

    def _leave(self, person: Person) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await self.emu.member_leave(self.server.guild, person.user)

        return run

    def _reminders_off(self, person: Person) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if person.member_at(self.clock):
                await self._command(person.user, "reminders off", {})

        return run

    def _profile(self, person: Person) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if not person.member_at(self.clock):
                return
            opened = await self._command(person.user, "profile edit", {"trade": self.rng.choice(["it", "bookkeeping"])})
            if opened is None or opened.modal is None:
                self.report.problems.append(f"{self.clock}: /profile edit opened no form for {person.user.name}")
                return
            # A small vocabulary, so "worth meeting" finds pairs: what one offers, another looks for.
            offer = self.rng.choice(["regnskab og bogføring", "hjemmesider", "markedsføring", "fotografering"])
            wish = self.rng.choice(
                ["hjælp til regnskab", "en ny hjemmeside", "markedsføring på nettet", "fotografering"]
            )
            values = {"business": f"{person.user.name} ApS", "offer": offer, "looking_for": wish}
            await self._guarded("profile form", self.emu.submit_modal(person.user, opened, values))

        return run

    def _guest(self, person: Person, meeting: Meeting) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if not person.member_at(self.clock):
                return
            post = self.posts[meeting.id]
            opened = await self._guarded("guests button", self.emu.click(person.user, post, f"mv:guests:{meeting.id}"))
            if opened is None:
                return
            if opened.modal is None:  # the guest panel: add one more
                add = (
                    next((c for c in components_of(opened.message) if c.startswith("mv:guest-add:")), None)
                    if opened.message
                    else None
                )
                if add is None:
                    return
                opened = await self._guarded("add guest", self.emu.click(person.user, opened.message, add))
                if opened is None or opened.modal is None:
                    return
            name = f"Gæst af {person.user.name}"
            await self._guarded(
                "guest form", self.emu.submit_modal(person.user, opened, {"name": name, "business": "Gæst ApS"})
            )

        return run

    def _hotseat(self, person: Person, meeting: Meeting) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if person.member_at(self.clock):
                options = {"kind": "hot_seat", "topic": "Prissætning", "meeting": str(meeting.id)}
                await self._command(person.user, "hotseat", options)

        return run

    def _assign(self, person: Person, meeting: Meeting) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if person.member_at(self.clock):
                options = {"meeting": str(meeting.id), "slot": "hot_seat", "member": person.user}
                await self._command(self.server.organiser, "program assign", options)

        return run

    def _check_in(self, meeting: Meeting) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await self._settle_all()
            post = self.posts[meeting.id]
            button = next((c for c in components_of(post) if c.startswith("mv:in:")), None)
            if button is None:
                return
            for person in self.people:
                if (
                    person.member_at(self.clock)
                    and person.answer_at(meeting.id, self.clock) == GOING
                    and self.rng.random() < 0.5
                ):
                    await self._guarded("check in", self.emu.click(person.user, post, button))

        return run

    def _rate(self, meeting: Meeting) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            for person in self.people:
                dm = next(iter(self._dms_of_kind(person, "feedback.dm", meeting.id)), None)
                if dm is None or not person.member_at(self.clock) or self.rng.random() < 0.3:
                    continue
                rating = next(
                    (
                        c
                        for c in components_of(dm)
                        if re.fullmatch(r"mv:fb:\d+:[1-5]", c) and c.endswith(str(self.rng.randint(1, 5)))
                    ),
                    None,
                )
                if rating is not None:
                    await self._guarded("rating", self.emu.click(person.user, dm, rating))

        return run

    def _still_coming_answers(self, meeting: Meeting) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            for person in self.people:
                dm = next(iter(self._dms_of_kind(person, "still.question", meeting.id)), None)
                if dm is None or not person.member_at(self.clock) or self.rng.random() > 0.3:
                    continue
                no = next((c for c in components_of(dm) if c.endswith(":no")), None)
                if no is not None:
                    await self._guarded("can't come", self.emu.click(person.user, dm, no))
                    person.answers[meeting.id].append((self.clock, CANT_COME))

        return run

    def _intro_answers(self, meeting: Meeting) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            for person in self.people:
                dm = next(iter(self._dms_of_kind(person, "intro.invitation", meeting.id)), None)
                if dm is None or not person.member_at(self.clock):
                    continue
                answer = "yes" if self.rng.random() < 0.7 else "no"
                button = next((c for c in components_of(dm) if c.endswith(f":{answer}")), None)
                if button is not None:
                    await self._guarded("intro answer", self.emu.click(person.user, dm, button))

        return run

    def _forget(self, person: Person) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            asked = await self._command(person.user, "forget", {})
            if asked is None or asked.message is None:
                return
            erase = next(
                (c["custom_id"] for c in iter_components(asked.components) if c.get("label") in ("Slet", "Erase")), None
            )
            if erase is None:
                self.report.problems.append(f"{self.clock}: /forget offered no Erase button")
                return
            await self._guarded("erase", self.emu.click(person.user, asked.message, erase))

        return run

    async def _command(self, user: FakeUser, name: str, options: dict[str, object]):  # type: ignore[no-untyped-def]
        return await self._guarded(name, self.emu.run_command(user, self.server.announcements, name, options=options))

    async def _guarded(self, what: str, action: Awaitable[object]):  # type: ignore[no-untyped-def]
        """Run a member's action; an unanswered interaction is a problem of the season, not the end of it."""
        try:
            return await action
        except AssertionError as error:
            self.report.problems.append(f"{self.clock}: {what}: {str(error).splitlines()[0][:300]}")
            return None

    # -- faults -------------------------------------------------------------------------------------------------------

    def _restart(self, *, twice: bool) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            for _ in range(2 if twice else 1):
                self._fault("restart twice at one instant" if twice else "restart")
                await self._stop()
                await self._start()

        return run

    def _arm_kill(self, after: int) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            self.pending_kill = after

        return run

    def _arm_stop(self, after: int) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            self.pending_stop = after

        return run

    def _storm_429(self) -> Callable[[], Awaitable[None]]:
        """A burst of 429s that meets the next fan-out (its DMs, posts, post edits and reactions)."""

        async def run() -> None:
            bucket = self.rng.choice(["message_create", "message_edit", "reaction", "dm_channel_create"])
            times = self.rng.choice([2, 4, 7])

            def inject() -> None:
                self._fault(f"429 storm on {bucket} ×{times}")
                self.emu.rate_limit_storm(bucket, times=times, retry_after=0.05)

            self.pending_storms.append(inject)

        return run

    def _storm_5xx(self) -> Callable[[], Awaitable[None]]:
        """Discord failing for a moment, on the next fan-out: 500 and 502 are retried by discord.py, 503 is not."""

        async def run() -> None:
            method, path = self.rng.choice(
                [
                    ("POST", r"^/channels/\d+/messages$"),
                    ("PATCH", r"^/channels/\d+/messages/\d+$"),
                    ("PUT", r"/reactions/"),
                    ("POST", r"^/users/@me/channels$"),
                ]
            )
            times = self.rng.choice([1, 3, 6])
            status = self.rng.choice([500, 502, 503])

            def inject() -> None:
                self._fault(f"{status} storm on {method} ×{times}")
                self.emu.refuse(method, path, times=times, status=status, code=0, message="Service Unavailable")

            self.pending_storms.append(inject)

        return run

    def _gateway_drop(self) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            self._fault("gateway drop")
            await self.emu.drop_gateway()

        return run

    def _gateway_outage(self) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            self._fault("gateway outage with reactions")
            open_meetings = [m for m in self.meetings.values() if m.starts_at > self.clock]
            async with self.emu.gateway_outage():
                for meeting in open_meetings[:1]:
                    for person in self.rng.sample(self.people, k=min(5, len(self.people))):
                        if person.member_at(self.clock) and person.answer_at(meeting.id, self.clock) is None:
                            await self.emu.react(person.user, self.posts[meeting.id], MAYBE)
                            person.answers[meeting.id].append((self.clock, MAYBE))

        return run

    # -- reading the emulator -----------------------------------------------------------------------------------------

    def _sent(self, message: FakeMessage) -> dict[str, Any] | None:
        """The payload the bot created ``message`` with (a button's answer may have replaced its text since)."""
        requests = self.emu.requests
        for request in requests[self._requests_read :]:
            created = request.route == MESSAGE_ROUTE and request.status < 300
            if created and isinstance(request.response, dict) and isinstance(request.json, dict):
                self._created[int(request.response["id"])] = request.json
        self._requests_read = len(requests)
        return self._created.get(message.id)

    def _sent_text(self, message: FakeMessage) -> str:
        return message_text(message, self._sent(message))

    def _dm_count(self) -> int:
        channels = {c.id for p in self.people if (c := self.emu.dm_channel(p.user)) is not None}
        return sum(
            1
            for r in self.emu.requests
            if r.route == MESSAGE_ROUTE
            and r.status < 300
            and isinstance(r.response, dict)
            and int(r.response.get("channel_id", 0)) in channels
        )

    def _meeting_of(self, text: str) -> int | None:
        for meeting_id, post in self.posts.items():
            if f"/{post.id}" in text:
                return meeting_id
        for meeting_id, meeting in self.meetings.items():
            if any(meeting_label(meeting, language, self.catalogue) in text for language in LANGUAGES):
                return meeting_id
        return None

    def _dms_of_kind(self, person: Person, key: str, meeting_id: int) -> list[FakeMessage]:
        return [
            dm
            for dm in self.emu.dms_to(person.user)
            if self.texts.key_of(message_text(dm)) == key and self._meeting_of(message_text(dm)) == meeting_id
        ]

    def _post_counts(self, meeting_id: int) -> Counter[str]:
        """What the announcement shows: going, waiting, maybe and not going."""
        post = self.posts[meeting_id]
        shown: Counter[str] = Counter()
        if not post.embeds:
            return shown
        embed = post.embeds[0]
        for item in embed.get("fields", []):
            name, value = item.get("name", ""), item.get("value", "")
            if found := re.match(r"(?:Kommer|Going) \((\d+)\)", name):
                shown["going"] = int(found[1])
            if found := re.match(r"(?:Måske|Maybe) \((\d+)\)", name):
                shown["maybe"] = int(found[1])
            if found := re.search(r"(\d+) (?:på ventelisten|on the waiting list)", value):
                shown["waiting"] = int(found[1])
        everything = json.dumps(embed, ensure_ascii=False)
        if found := re.search(r"\((\d+) (?:kommer ikke|not going)\)", everything):
            shown["not_going"] = int(found[1])
        return shown

    # -- the checks ---------------------------------------------------------------------------------------------------

    async def _check(self) -> None:
        rows = await self._reminder_rows()
        self._check_identical_dms()
        self._check_reminders(rows)
        self._check_still_coming()
        await self._check_posts()
        self._tabulate()
        if self.emu.unknown_routes or self.emu.internal_errors:
            self.report.problems.append(f"emulator: {self.emu.unknown_routes + self.emu.internal_errors}")

    async def _reminder_rows(self) -> list[Round]:
        found: list[Round] = []
        for meeting_id in self.meetings:
            found += [r for r in await rounds.for_meeting(self.bot.db, meeting_id) if r.kind is RoundKind.REMINDER]
        return found

    def _check_identical_dms(self) -> None:
        self.report.checked["DMs compared"] = sum(len(self.emu.dms_to(p.user)) for p in self.people)
        for person in self.people:
            seen = Counter(
                (self._sent_text(dm), json.dumps((self._sent(dm) or {}).get("components"), sort_keys=True))
                for dm in self.emu.dms_to(person.user)
            )
            for (content, _), count in seen.items():
                if count < 2:
                    continue
                key = self.texts.key_of(content)
                meeting_id = self._meeting_of(content)
                repeatable = key in ("rsvp.waitlisted", "rsvp.promoted") and meeting_id is not None
                if repeatable and count <= person.going_added[meeting_id]:  # type: ignore[index]
                    continue
                self.report.problems.append(f"{person.user.name} got the same DM {count} times: {content[:120]!r}")

    def _check_reminders(self, rows: list[Round]) -> None:
        wordings = self._reminder_wordings()
        received: Counter[tuple[int, int, str]] = Counter()
        for person in self.people:
            for dm in self.emu.dms_to(person.user):
                text = self._sent_text(dm)
                if self.texts.key_of(text) != "reminder.dm":
                    continue
                meeting_id = self._meeting_of(text)
                offset = next((o for phrase, o in wordings.items() if phrase in text), None)
                if meeting_id is None or offset is None:
                    self.report.problems.append(f"a reminder DM names no meeting or offset: {text[:120]!r}")
                    continue
                received[(person.user.id, meeting_id, offset)] += 1
        for (user_id, meeting_id, offset), count in received.items():
            if count > 1:
                self.report.problems.append(
                    f"user {user_id} got the {offset} reminder of meeting {meeting_id} {count}×"
                )
        up = self.up_intervals + ([(self.up_since, self.clock)] if self.up_since is not None else [])
        for row in rows:
            assert row.meeting_id is not None
            meeting = self.meetings[row.meeting_id]
            due, start = row.due_at, meeting.starts_at
            if not any(max(a, due) < min(b, start) for a, b in up):
                continue
            # ✅ on a full meeting may mean the waiting list, which gets no reminder: only ❔ is sure then.
            # (unknown when the round ran at a start, not in a step of the walk)
            waiting = self.waiting_shown.get((meeting.id, RoundKind.REMINDER, row.subject))
            for person in self.people:
                answer = person.steady(meeting.id, due - timedelta(seconds=1), start)
                reminders_on = person.reminders_off_at is None or person.reminders_off_at >= start
                if answer not in (GOING, MAYBE) or not person.accepts_dms or not reminders_on:
                    continue
                if not person.member_at(start) or (person.joins_at is not None and person.joins_at > due):
                    continue
                if answer == GOING and meeting.capacity is not None and waiting != 0:
                    continue
                self.report.checked["reminders owed (member × reminder)"] += 1
                if received[(person.user.id, meeting.id, row.subject)] == 0:
                    self.report.problems.append(
                        f"{person.user.name} ({answer} since before {due:%Y-%m-%d %H:%M}) got no {row.subject} "
                        f"reminder for meeting {meeting.id} though the bot was up in time"
                    )

    def _reminder_wordings(self) -> dict[str, str]:
        from bot.durations import format_offset
        from bot.reminders import wording

        phrases: dict[str, str] = {}
        for offset in self.server.config.reminders.offsets:
            key, params = wording(offset)
            for language in LANGUAGES:
                phrases[self.catalogue.text(language, key, **params)] = format_offset(offset)
        return phrases

    def _check_still_coming(self) -> None:
        for person in self.people:
            for dm in self.emu.dms_to(person.user):
                if self.texts.key_of(self._sent_text(dm)) != "still.question":
                    continue
                self.report.checked["'Still coming?' DMs"] += 1
                meeting_id = self._meeting_of(self._sent_text(dm))
                if meeting_id is None or self.meetings[meeting_id].capacity is None:
                    self.report.problems.append(f"'Still coming?' for a meeting without capacity: {dm.content[:100]!r}")
                elif not self.waiting_shown.get((meeting_id, RoundKind.STILL_COMING, "")):
                    self.report.problems.append(
                        f"'Still coming?' for meeting {meeting_id}, whose post showed nobody waiting when it was asked"
                    )

    async def _check_posts(self) -> None:
        for meeting_id, meeting in self.meetings.items():
            if meeting.ends_at > self.clock:
                await self._check_post(meeting_id)

    def _post_check(self, meeting_id: int) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await self._settle_all()
            await self._check_post(meeting_id)

        return run

    async def _check_post(self, meeting_id: int) -> None:
        """The post against its reactions, while it still takes answers (until the meeting ends): afterwards it
        keeps the counts of the meeting, also of members who leave or erase themselves later."""
        members = {p.user.id for p in self.people if p.member_at(self.clock)}
        members.add(self.server.organiser.id)
        self.report.checked["posts compared with their reactions"] += 1
        for post in [self.posts[meeting_id]]:
            shown = self._post_counts(meeting_id)
            reacted = {answer: [u for u in post.reactions.get(answer, []) if u in members] for answer in ANSWERS}
            cant_come = [
                p.user.id
                for p in self.people
                if p.user.id in members
                and p.answer_at(meeting_id, self.clock) == CANT_COME
                and not any(p.user.id in reacted[answer] for answer in ANSWERS)
            ]
            expected = {
                "going + waiting": len(reacted[GOING]),
                "maybe": len(reacted[MAYBE]),
                "not going": len(reacted[NOT_GOING]) + len(cant_come),
            }
            actual = {
                "going + waiting": shown["going"] + shown["waiting"],
                "maybe": shown["maybe"],
                "not going": shown["not_going"],
            }
            if expected != actual:
                self.report.problems.append(
                    f"meeting {meeting_id}'s post shows {actual} but its reactions are {expected}; "
                    + await self._disagreements(meeting_id, reacted, cant_come)
                )
            several = [u for u in members if sum(u in reacted[a] for a in ANSWERS) > 1]
            if several:
                self.report.problems.append(f"meeting {meeting_id}: members with two answers on the post: {several}")

    async def _disagreements(self, meeting_id: int, reacted: dict[str, list[int]], cant_come: list[int]) -> str:
        """Who the bot stores otherwise than their reaction shows, with what the season did to them."""
        stored = await rsvps.states(self.bot.db, meeting_id)
        wanted = {"going": GOING, "waiting": GOING, "maybe": MAYBE, "not_going": NOT_GOING}
        names = {p.user.id: p for p in self.people}
        found = []
        for user_id in set(stored) | {u for users in reacted.values() for u in users}:
            reactions = [answer for answer in ANSWERS if user_id in reacted[answer]]
            state = stored.get(user_id)
            expected = wanted.get(state.value) if state is not None else None
            if reactions == ([expected] if expected else []) or (user_id in cant_come and expected == NOT_GOING):
                continue
            person = names.get(user_id)
            history = ""
            if person is not None:
                steps = [f"{when:%m-%d %H:%M} {answer}" for when, answer in person.answers[meeting_id]]
                history = (
                    f" ({person.user.name}: {', '.join(steps)}; left {person.left_at}, forgot {person.forgotten_at})"
                )
            found.append(f"user {user_id} reacted {reactions}, stored {state}{history}")
        return "; ".join(found) or "no member differs"

    def _tabulate(self) -> None:
        channels = {
            self.server.announcements.id: "post",
            self.server.organisers_channel.id: "notice",
        }
        for person in self.people:
            for dm in self.emu.dms_to(person.user):
                self._count(dm, "DM")
        for channel_id, where in channels.items():
            for message in self.emu.channel_messages(channel_id):
                if message.author_id == self.emu.bot_user.id:
                    self._count(message, where)
        for thread in self.emu.threads(self.server.announcements):
            for message in self.emu.channel_messages(thread):
                if message.author_id == self.emu.bot_user.id:
                    self._count(message, "thread post")

    def _count(self, message: FakeMessage, where: str) -> None:
        """One message in the table, named by the first part of what was sent that is a catalogue text."""
        sent = self._sent(message)
        text = message_text(message, sent)
        key = next((k for part in message_parts(message, sent) if (k := self.texts.key_of(part)) is not None), None)
        meeting_id = self._meeting_of(text)
        if message.id in {p.id for p in self.posts.values()}:
            kind = "announcement"
            meeting_id = next(m for m, p in self.posts.items() if p.id == message.id)
        elif key is None:
            kind = f"other {where}"
        else:
            kind = KIND_NAMES.get(key, f"{where}: {key}")
        self.report.table[(kind, "—" if meeting_id is None else f"m{meeting_id}")] += 1

    def _check_logs(self) -> None:
        text = self.log.getvalue()
        self.report.checked["log lines"] = text.count("\n")
        skipped = [range(a, b) for a, b in self.fault_log_spans]
        offset = 0
        for line in text.splitlines(keepends=True):
            here, offset = offset, offset + len(line)
            if any(here in span for span in skipped):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                if "Traceback" in line:
                    self.report.problems.append(f"traceback outside the JSON log: {line[:200]!r}")
                continue
            if "exception" in entry or "Traceback" in str(entry.get("event", "")):
                first = str(entry.get("exception", "")).strip().splitlines()[-1:] or [""]
                self.report.problems.append(
                    f"traceback logged by {entry.get('logger')}: {entry.get('event')!r}: {first[0][:200]}"
                )

    def _check_database(self) -> None:
        path = self.server.config.database.path
        with contextlib.closing(sqlite3.connect(path)) as conn:
            (verdict,) = conn.execute("PRAGMA integrity_check").fetchone()
        if verdict != "ok":
            self.report.problems.append(f"SQLite integrity check: {verdict}")


async def run_season(
    server: Server, size: SeasonSize, seed: int, progress: Callable[[str], None] | None = None
) -> SeasonReport:
    """Simulate one season on ``server`` (a fresh emulator server) and check it; ``progress`` hears each step."""
    return await Season(server, size, seed, progress).run()
