"""The gateway: HELLO / HEARTBEAT / IDENTIFY / RESUME / REQUEST_GUILD_MEMBERS and event dispatch.

Dispatching is synchronous: :meth:`GatewayHub.dispatch` gives the event a sequence number per
session, keeps it in the session's replay buffer and queues the frame for that session's socket
(if any). A writer task per connection sends queued frames in order, so the bot sees events in
exactly the order the emulator produced them; :meth:`GatewayHub.flush` waits until they are sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import aiohttp
from aiohttp import web

from .state import JSON, Intent, World

_log = logging.getLogger(__name__)

#: Builds a per-session payload from (intents, large_threshold).
PayloadFactory: TypeAlias = Callable[[int, int], JSON]

_CONTENT_FIELDS = ("content", "embeds", "attachments", "components", "poll")


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _strip_content(data: JSON) -> JSON:
    """What a session without the MESSAGE_CONTENT intent receives for someone else's message."""
    stripped = dict(data)
    for key in _CONTENT_FIELDS:
        if key in stripped:
            stripped[key] = "" if key == "content" else ([] if key != "poll" else None)
    if stripped.get("poll") is None:
        stripped.pop("poll", None)
    return stripped


@dataclass
class DispatchRecord:
    """One gateway event produced by the emulator and the sessions it was delivered to."""

    event: str
    data: JSON
    session_ids: list[str]


@dataclass(eq=False)
class GatewaySession:
    """A Discord gateway session (survives a dropped socket until it is resumed or invalidated)."""

    session_id: str
    intents: int
    large_threshold: int
    shard: tuple[int, int] | None
    identify: JSON
    seq: int = 0
    buffer: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=20_000))
    connection: GatewayConnection | None = None
    alive: bool = True
    ready: bool = False
    presence: JSON | None = None
    resumes: int = 0

    @property
    def connected(self) -> bool:
        return self.connection is not None and not self.connection.closing

    def wants(self, intent: int | None) -> bool:
        return intent is None or bool(self.intents & intent)

    def handles_guild(self, guild_id: int | None) -> bool:
        if self.shard is None:
            return True
        shard_id, shard_count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % shard_count == shard_id

    def push(self, event: str, data: JSON) -> int:
        self.seq += 1
        text = _dumps({"op": 0, "t": event, "s": self.seq, "d": data})
        self.buffer.append((self.seq, text))
        if self.connection is not None:
            self.connection.send(text)
        return self.seq

    def __repr__(self) -> str:
        state = "connected" if self.connected else "detached"
        return f"<GatewaySession {self.session_id[:8]} intents={self.intents} seq={self.seq} {state}>"


class GatewayConnection:
    """One websocket and its ordered outgoing queue."""

    def __init__(self, ws: web.WebSocketResponse, query: dict[str, str]) -> None:
        self.ws = ws
        self.query = query
        self.session: GatewaySession | None = None
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.server_closed = False
        self.closing = False
        self.discard = False
        self.stopped = False
        self._writer = asyncio.create_task(self._write_loop(), name="fakediscord-gateway-writer")

    def send(self, text: str) -> None:
        if not self.stopped:
            self.queue.put_nowait(text)

    def send_op(self, op: int, data: Any) -> None:
        self.send(_dumps({"op": op, "d": data, "s": None, "t": None}))

    async def _write_loop(self) -> None:
        while True:
            item = await self.queue.get()
            try:
                if item is None:
                    return
                if self.discard or self.ws.closed:
                    continue
                await self.ws.send_str(item)
            except Exception as exc:  # the peer went away mid-send
                _log.debug("gateway send failed: %r", exc)
                self.discard = True
            finally:
                self.queue.task_done()

    async def close(self, code: int, reason: str = "") -> None:
        self.closing = True
        if not self.ws.closed:
            with contextlib.suppress(Exception):
                await self.ws.close(code=code, message=reason.encode())

    async def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.queue.put_nowait(None)
        try:
            await asyncio.wait_for(asyncio.shield(self._writer), timeout=2.0)
        except (TimeoutError, asyncio.CancelledError):
            self._writer.cancel()
            while not self.queue.empty():
                self.queue.get_nowait()
                self.queue.task_done()

    async def drained(self) -> None:
        if not self.stopped:
            await self.queue.join()


class GatewayHub:
    """All gateway sessions and sockets of the emulator."""

    def __init__(self, world: World, *, heartbeat_interval: int, privileged_intents: bool) -> None:
        self.world = world
        self.heartbeat_interval = heartbeat_interval
        self.privileged_intents = privileged_intents
        self.url = ""
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: set[GatewayConnection] = set()
        self.identify_count = 0
        self.resume_count = 0
        self.heartbeat_count = 0
        #: every payload a client sent except heartbeats (the token is redacted)
        self.received: list[JSON] = []
        self.dispatched: list[DispatchRecord] = []
        self.close_codes: list[int | None] = []
        self._hello_gate = asyncio.Event()
        self._hello_gate.set()
        self._changed = asyncio.Event()
        self._background: set[asyncio.Task[None]] = set()

    # -- dispatch ----------------------------------------------------------------------------

    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if s.alive and s.ready]

    def dispatch(
        self,
        event: str,
        data: JSON | PayloadFactory,
        intent: int | None = None,
        *,
        content_gated: bool = False,
        only: GatewaySession | None = None,
    ) -> None:
        targets = [only] if only is not None else self.live_sessions()
        delivered: list[str] = []
        record: JSON | None = None
        for session in targets:
            if not session.wants(intent):
                continue
            payload = data(session.intents, session.large_threshold) if callable(data) else data
            if session.shard is not None and not session.handles_guild(_guild_id_of(event, payload)):
                continue
            if content_gated and not session.intents & Intent.MESSAGE_CONTENT:
                payload = _strip_content(payload)
            session.push(event, payload)
            delivered.append(session.session_id)
            record = payload
        if record is None:
            record = data(-1, 250) if callable(data) else data
        self.dispatched.append(DispatchRecord(event=event, data=record, session_ids=delivered))

    async def flush(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until every queued frame has been written to its socket."""
        connections = [c for c in self.connections if not c.stopped]
        if connections:
            await asyncio.wait_for(asyncio.gather(*(c.drained() for c in connections)), timeout)

    # -- websocket handler -------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = GatewayConnection(ws, dict(request.query))
        self.connections.add(conn)
        try:
            await self._hello_gate.wait()
            if not ws.closed:
                conn.send_op(10, {"heartbeat_interval": self.heartbeat_interval, "_trace": ["fakediscord"]})
            async for msg in ws:
                if msg.type is aiohttp.WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        await conn.close(4002, "Error while decoding payload.")
                        break
                    if not isinstance(payload, dict):
                        await conn.close(4002, "Error while decoding payload.")
                        break
                    await self._on_payload(conn, payload)
                elif msg.type is aiohttp.WSMsgType.BINARY:
                    await conn.close(4002, "Error while decoding payload.")
                    break
        finally:
            self.close_codes.append(ws.close_code)
            self._detach(conn, ws.close_code)
            await conn.stop()
            self.connections.discard(conn)
        return ws

    def _detach(self, conn: GatewayConnection, code: int | None) -> None:
        session = conn.session
        if session is not None and session.connection is conn:
            session.connection = None
            if not conn.server_closed and code in (1000, 1001):
                # a clean close by the client ends the session (it cannot be resumed)
                session.alive = False
                self.sessions.pop(session.session_id, None)
        self._changed.set()

    async def _on_payload(self, conn: GatewayConnection, payload: JSON) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == 1:
            self.heartbeat_count += 1
            conn.send_op(11, None)
            return
        redacted = dict(payload)
        if isinstance(data, dict) and "token" in data:
            redacted["d"] = {**data, "token": "<redacted>"}
        self.received.append(redacted)
        if op == 2:
            await self._identify(conn, data)
        elif op == 6:
            self._resume(conn, data)
        elif conn.session is None:
            await conn.close(4003, "Not authenticated.")
        elif op == 3:
            conn.session.presence = data
        elif op == 4:
            return
        elif op == 8:
            self._request_members(conn.session, data)
        else:
            await conn.close(4001, "Unknown opcode.")

    async def _identify(self, conn: GatewayConnection, data: Any) -> None:
        if conn.session is not None:
            await conn.close(4005, "Already authenticated.")
            return
        if not isinstance(data, dict) or data.get("token") != self.world.token:
            await conn.close(4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await conn.close(4013, "Invalid intent(s).")
            return
        if intents & Intent.PRIVILEGED and not self.privileged_intents:
            await conn.close(4014, "Disallowed intent(s).")
            return
        shard: tuple[int, int] | None = None
        raw_shard = data.get("shard")
        if raw_shard is not None:
            if not (isinstance(raw_shard, list) and len(raw_shard) == 2 and 0 <= raw_shard[0] < raw_shard[1]):
                await conn.close(4010, "Invalid shard.")
                return
            shard = (int(raw_shard[0]), int(raw_shard[1]))
        session = GatewaySession(
            session_id=secrets.token_hex(16),
            intents=intents,
            large_threshold=int(data.get("large_threshold") or 50),
            shard=shard,
            identify={**data, "token": "<redacted>"},
            presence=data.get("presence"),
        )
        self.sessions[session.session_id] = session
        session.connection = conn
        conn.session = session
        self.identify_count += 1
        world = self.world
        guilds = [g for g in world.guilds.values() if session.handles_guild(g.id)]
        ready: JSON = {
            "v": 10,
            "user": world.bot_user_dict(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.url,
            "application": {"id": str(world.application_id), "flags": _application_flags(self.privileged_intents)},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "user_settings": {},
            "auth": {},
            "_trace": ["fakediscord"],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        session.push("READY", ready)
        if intents & Intent.GUILDS:
            include_members = bool(intents & Intent.GUILD_MEMBERS)
            for guild in guilds:
                session.push(
                    "GUILD_CREATE",
                    world.guild_create_dict(
                        guild, include_members=include_members, large_threshold=session.large_threshold
                    ),
                )
        session.ready = True
        self._changed.set()

    def _resume(self, conn: GatewayConnection, data: Any) -> None:
        session = self.sessions.get(str(data.get("session_id"))) if isinstance(data, dict) else None
        seq = (data.get("seq") or 0) if isinstance(data, dict) else 0
        valid = (
            session is not None
            and session.alive
            and isinstance(data, dict)
            and data.get("token") == self.world.token
            and isinstance(seq, int)
            and seq <= session.seq
            and (not session.buffer or seq >= session.buffer[0][0] - 1)
        )
        if not valid or session is None:
            conn.send_op(9, False)
            return
        old = session.connection
        if old is not None and old is not conn:
            old.server_closed = True
            old.discard = True
            old.session = None
            task = asyncio.get_running_loop().create_task(old.close(4000, "Session resumed elsewhere."))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        session.connection = conn
        conn.session = session
        for number, text in session.buffer:
            if number > seq:
                conn.send(text)
        session.push("RESUMED", {"_trace": ["fakediscord"]})
        session.resumes += 1
        self.resume_count += 1
        self._changed.set()

    def _request_members(self, session: GatewaySession, data: Any) -> None:
        if not isinstance(data, dict):
            return
        raw_ids = data.get("guild_id")
        guild_ids = raw_ids if isinstance(raw_ids, list) else [raw_ids]
        for raw_guild_id in guild_ids:
            guild = self.world.guilds.get(int(raw_guild_id)) if raw_guild_id is not None else None
            if guild is None:
                continue
            not_found: list[str] = []
            user_ids = data.get("user_ids")
            if user_ids is not None:
                wanted = [int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])]
                members = [guild.members[u] for u in wanted if u in guild.members]
                not_found = [str(u) for u in wanted if u not in guild.members]
            else:
                query = str(data.get("query") or "").lower()
                if not query and not session.intents & Intent.GUILD_MEMBERS:
                    members = []
                else:
                    members = [
                        m
                        for m in guild.members.values()
                        if m.user.name.lower().startswith(query) or (m.nick or "").lower().startswith(query)
                    ]
                limit = int(data.get("limit") or 0)
                if limit:
                    members = members[:limit]
            chunks = [members[i : i + 1000] for i in range(0, len(members), 1000)] or [[]]
            for index, chunk in enumerate(chunks):
                payload: JSON = {
                    "guild_id": str(guild.id),
                    "members": [m.to_dict() for m in chunk],
                    "chunk_index": index,
                    "chunk_count": len(chunks),
                }
                if index == 0 and not_found:
                    payload["not_found"] = not_found
                if data.get("presences"):
                    payload["presences"] = []
                if data.get("nonce") is not None:
                    payload["nonce"] = data["nonce"]
                session.push("GUILD_MEMBERS_CHUNK", payload)

    # -- control -----------------------------------------------------------------------------

    async def drop(self, code: int = 4000) -> None:
        """Close every socket with ``code``; sessions stay resumable and keep buffering events."""
        connections = list(self.connections)
        for conn in connections:
            conn.server_closed = True
            conn.discard = True
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
        self._changed.set()
        await asyncio.gather(*(c.close(code, "fakediscord dropped the connection") for c in connections))

    @contextlib.asynccontextmanager
    async def outage(self, code: int = 4000) -> AsyncIterator[None]:
        """Drop every socket and hold new connections before HELLO until the block exits."""
        self._hello_gate.clear()
        try:
            await self.drop(code)
            yield
        finally:
            self._hello_gate.set()

    def request_reconnect(self) -> None:
        """Send op 7 RECONNECT to every connected session (the client should RESUME)."""
        for session in self.live_sessions():
            if session.connection is not None:
                session.connection.send_op(7, None)

    def invalidate_sessions(self) -> None:
        """Send op 9 INVALID_SESSION (not resumable) and forget every session."""
        for session in list(self.sessions.values()):
            session.alive = False
            if session.connection is not None:
                session.connection.send_op(9, False)
        self.sessions.clear()
        self._changed.set()

    async def wait_until_connected(self, timeout: float = 5.0) -> GatewaySession:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for session in self.live_sessions():
                if session.connected:
                    await self.flush()
                    return session
            self._changed.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"no gateway session became ready within {timeout}s "
                    f"(identify={self.identify_count}, connections={len(self.connections)}, "
                    f"close codes={self.close_codes})"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def close_all(self) -> None:
        self._hello_gate.set()
        connections = list(self.connections)
        for conn in connections:
            conn.server_closed = True
        await asyncio.gather(*(c.close(1001, "fakediscord is shutting down") for c in connections))
        await asyncio.gather(*(c.stop() for c in connections))


def _guild_id_of(event: str, payload: JSON) -> int | None:
    raw = payload.get("guild_id")
    if raw is None and event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
        raw = payload.get("id")
    return int(raw) if raw is not None else None


def _application_flags(privileged: bool) -> int:
    flags = 1 << 23  # APPLICATION_COMMAND_BADGE
    if privileged:
        flags |= (1 << 13) | (1 << 15) | (1 << 19)  # *_LIMITED presence / members / message content
    return flags
