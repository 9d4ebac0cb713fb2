"""FakeDiscord: the loopback Discord API emulator (aiohttp server on 127.0.0.1, random port)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import inspect
import logging
import re
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterator
from types import TracebackType
from typing import Any

import yarl
from aiohttp import web

from .actors import InteractionResult, Settled, UserActions
from .gateway import DispatchRecord, GatewayHub, GatewaySession
from .links import find_broken_message_links
from .ratelimit import RateLimitConfig, RateLimiter, Storm
from .rest import HeldReply, RecordedRequest, Refusal, RestApi
from .state import (
    DEFAULT_BOT_PERMISSIONS,
    JSON,
    Clock,
    FakeChannel,
    FakeGuild,
    FakeInteraction,
    FakeMessage,
    FakeUser,
    Ref,
    World,
    ref_id,
)
from .validation import ApiError

_log = logging.getLogger(__name__)

__all__ = ["FakeDiscord"]


class FakeDiscord(UserActions):
    """A Discord REST + gateway emulator for a real, unmodified discord.py client.

    Usage::

        async with FakeDiscord() as emu:
            guild = emu.add_guild("MikroVirk")
            channel = guild.add_text_channel("announcements")
            with emu.patch_discord():
                ...  # start a discord.Client with emu.token (see tests.fakediscord.run_client)
    """

    def __init__(
        self,
        rate_limits: bool | RateLimitConfig = True,
        *,
        rate_limit_config: RateLimitConfig | None = None,
        token: str | None = None,
        bot_name: str = "MikroVirk",
        heartbeat_interval: int = 41250,
        interaction_deadline: float = 3.0,
        privileged_intents: bool = True,
        strict: bool = True,
        host: str = "127.0.0.1",
        clock: Clock | None = None,
    ) -> None:
        if isinstance(rate_limits, RateLimitConfig):
            config = rate_limits
        else:
            config = rate_limit_config or RateLimitConfig()
            if not rate_limits:
                config = config.replace(enabled=False)
        self.token: str = token or f"fake.{secrets.token_urlsafe(24)}"
        self.world = World(token=self.token, bot_name=bot_name)
        if clock is not None:
            self.world.clock = clock
        self.limiter = RateLimiter(config)
        self.hub = GatewayHub(self.world, heartbeat_interval=heartbeat_interval, privileged_intents=privileged_intents)
        self.rest = RestApi(
            self.world,
            self.limiter,
            interaction_deadline=interaction_deadline,
            gateway_url=lambda: self.gateway_url,
        )
        self.world.dispatch = self.hub.dispatch
        self.strict = strict
        self.host = host
        self.port = 0
        self._runner: web.AppRunner | None = None

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("FakeDiscord is already running")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.hub.handle)
        app.router.add_get("/gateway/", self.hub.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self.rest.serve_attachment)
        app.router.add_route("*", "/{tail:.*}", self.rest.handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handle_signals=False)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        self.world.http_base = self.http_base
        self.hub.url = self.gateway_url
        _log.debug("fakediscord listening on %s", self.http_base)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        await self.hub.close_all()
        await runner.cleanup()
        if self.strict and self.rest.internal_errors:
            raise AssertionError("fakediscord had internal errors:\n" + "\n".join(self.rest.internal_errors))

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            await self.stop()
            return
        try:
            await self.stop()
        except AssertionError:
            _log.exception("fakediscord stop failed while another exception was propagating")

    # -- addresses --------------------------------------------------------------------------

    @property
    def http_base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return f"{self.http_base}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Value for ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (as a yarl.URL)."""
        return f"ws://{self.host}:{self.port}/gateway"

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway at this emulator (restored on exit)."""
        import discord.gateway
        import discord.http

        if self._runner is None:
            raise RuntimeError("start the emulator before patching discord.py")
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    # -- world building ---------------------------------------------------------------------

    @property
    def application_id(self) -> int:
        return self.world.application_id

    @property
    def bot_user(self) -> FakeUser:
        return self.world.bot_user

    @property
    def app_owner(self) -> FakeUser:
        """The application owner reported by GET /oauth2/applications/@me (``Bot.is_owner``)."""
        return self.rest.app_owner

    @app_owner.setter
    def app_owner(self, user: FakeUser) -> None:
        self.rest.app_owner = user

    def add_guild(
        self,
        name: str,
        *,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        locale: str = "en-US",
        owner: FakeUser | None = None,
    ) -> FakeGuild:
        """Create a guild the bot is a member of (its managed role has ``bot_permissions``)."""
        return self.world.add_guild(name, bot_permissions=bot_permissions, locale=locale, owner=owner)

    def add_user(
        self,
        name: str,
        *,
        locale: str = "en-US",
        accepts_dms: bool = True,
        bot: bool = False,
        global_name: str | None = None,
    ) -> FakeUser:
        return self.world.add_user(name, locale=locale, accepts_dms=accepts_dms, bot=bot, global_name=global_name)

    def get_user(self, ref: Ref) -> FakeUser:
        return self.world.user(ref)

    def get_guild(self, ref: Ref) -> FakeGuild:
        return self.world.guild(ref)

    def get_channel(self, ref: Ref) -> FakeChannel:
        return self.world.channel(ref)

    # -- rate limits ------------------------------------------------------------------------

    @property
    def rate_limit_config(self) -> RateLimitConfig:
        return self.limiter.config

    @rate_limit_config.setter
    def rate_limit_config(self, config: RateLimitConfig) -> None:
        self.limiter.config = config
        self.limiter.reset()

    @property
    def clock(self) -> Clock:
        """Discord's clock for scheduled events: a zero-argument callable returning an aware datetime
        (default: real UTC now). Assign e.g. ``emu.clock = FakeClock(...)`` at any time; it decides the
        "cannot schedule in the past" check and when EXTERNAL events start and end on their own."""
        return self.world.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        if not callable(clock):
            raise TypeError(f"the clock must be a zero-argument callable, not {clock!r}")
        self.world.clock = clock

    def now(self) -> dt.datetime:
        """The current instant by :attr:`clock` (UTC)."""
        return self.world.now()

    def exhaust_rate_limit(self, bucket: str, major: Ref | str = "") -> None:
        """Use up a bucket's budget now, as a second process sharing the token would. ``bucket`` is
        a named bucket ("message_edit", "reaction", ...) or a route key ("GET /users/{user_id}");
        ``major`` is the route's major parameter (channel, guild, or "webhook_id+token")."""
        major_key = major if isinstance(major, str) else str(ref_id(major))
        self.limiter.exhaust(bucket, major_key)

    def rate_limit_storm(
        self,
        bucket: str,
        major: Ref | str | None = None,
        *,
        times: int,
        retry_after: float = 0.1,
        is_global: bool = False,
    ) -> Storm:
        """Answer the next ``times`` requests of ``bucket`` (named as for :meth:`exhaust_rate_limit`; every major
        parameter when ``major`` is None) with a 429 Discord-style, whatever budget is left. discord.py waits
        ``retry_after`` and retries each request up to five times, so five or more in a row reach the caller as
        ``HTTPException(429)``. ``is_global`` makes them global 429s, which pause every request of the client."""
        major_key = major if major is None or isinstance(major, str) else str(ref_id(major))
        storm = Storm(bucket, major_key, times, retry_after, is_global)
        self.limiter.storms.append(storm)
        return storm

    # -- records ----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.rest.requests

    @property
    def rate_limited(self) -> list[RecordedRequest]:
        """Every request answered with 429."""
        return self.rest.rate_limited

    @property
    def unknown_routes(self) -> list[str]:
        """``"METHOD /path"`` of every request no emulated route matched."""
        return self.rest.unknown_routes

    @property
    def internal_errors(self) -> list[str]:
        return self.rest.internal_errors

    @property
    def dispatched(self) -> list[DispatchRecord]:
        """Every gateway event the emulator produced (with the sessions it reached)."""
        return self.hub.dispatched

    @property
    def interactions(self) -> list[FakeInteraction]:
        return list(self.world.interactions.values())

    def count(self, method: str | None, path_regex: str, *, include_rate_limited: bool = False) -> int:
        """Number of recorded requests with ``method`` (None or "*" for any) whose path (relative to
        ``/api/v10``, e.g. ``/channels/1/messages``) matches ``path_regex`` (re.search). 429s are
        not counted unless ``include_rate_limited``."""
        pattern = re.compile(path_regex)
        wanted = None if method in (None, "*") else method.upper()
        return sum(
            1
            for r in self.requests
            if (wanted is None or r.method == wanted)
            and pattern.search(r.path)
            and (include_rate_limited or r.status != 429)
        )

    def channel_messages(
        self, channel: Ref, *, include_deleted: bool = False, include_ephemeral: bool = False
    ) -> list[FakeMessage]:
        """Messages of a channel in order (oldest first)."""
        channel_id = ref_id(channel)
        messages = [m for m in self.world.messages.values() if m.channel_id == channel_id]
        messages.sort(key=lambda m: m.id)
        return [m for m in messages if (include_deleted or not m.deleted) and (include_ephemeral or not m.ephemeral)]

    def get_message(self, message_id: Ref) -> FakeMessage:
        """Any message by id (also deleted and ephemeral ones). Raises KeyError if unknown."""
        return self.world.message(message_id)

    def dm_channel(self, user: Ref) -> FakeChannel | None:
        """The user's DM channel with the bot, if one was opened."""
        return self.world.dm_channel_for(self.world.user(user), create=False)

    def dms_to(self, user: Ref) -> list[FakeMessage]:
        """Messages the bot sent to the user's DM channel (not deleted), oldest first."""
        channel = self.dm_channel(user)
        if channel is None:
            return []
        return [m for m in self.channel_messages(channel) if m.author_id == self.bot_user.id]

    def delete_message(self, message: Ref) -> Settled:
        """Delete a message as a moderator would (MESSAGE_DELETE). Awaiting the result is optional
        and waits until the event has been sent."""
        self.world.mark_deleted(self.world.message(message))
        return Settled(self.hub)

    def threads(self, channel: Ref, *, include_archived: bool = True) -> list[FakeChannel]:
        """Threads started in ``channel`` (a text/announcement channel), oldest first."""
        parent = self.world.channel(channel)
        guild = self.world.guild_of(parent)
        if guild is None:
            return []
        return [t for t in guild.threads if t.parent_id == parent.id and (include_archived or not t.archived)]

    def thread_of(self, message: Ref) -> FakeChannel | None:
        """The thread started from ``message``, if any."""
        msg = self.world.message(message)
        return self.world.channels.get(msg.thread_id) if msg.thread_id is not None else None

    def edit_thread(
        self,
        thread: Ref,
        *,
        name: str | None = None,
        archived: bool | None = None,
        locked: bool | None = None,
        auto_archive_duration: int | None = None,
    ) -> Settled:
        """Change a thread as a moderator or Discord's auto-archiver would (THREAD_UPDATE). Awaiting
        the result is optional and waits until the event has been sent."""
        target = self.world.channel(thread)
        if target.thread is None:
            raise ValueError(f"{target!r} is not a thread")
        self.world.update_thread(
            target, name=name, archived=archived, locked=locked, auto_archive_duration=auto_archive_duration
        )
        return Settled(self.hub)

    def synced_commands(self, guild: Ref | None = None) -> list[JSON]:
        """Registered commands: global ones, or those of ``guild``."""
        if guild is None:
            return list(self.world.global_commands.values())
        return list(self.world.guild_commands.get(ref_id(guild), {}).values())

    @property
    def command_sync_count(self) -> int:
        """Number of successful bulk-overwrite (PUT) command syncs."""
        return self.world.command_sync_count

    def advance_events(self) -> list[JSON]:
        """Bring every guild's scheduled events up to :attr:`clock` now, as Discord does on its own:
        an EXTERNAL event turns ACTIVE (2) at its start and COMPLETED (3) at its end, each change
        dispatched as GUILD_SCHEDULED_EVENT_UPDATE. Returns the dispatched event snapshots. (Every
        scheduled-event REST route and :meth:`scheduled_events` do this first anyway.)"""
        return self.world.advance_scheduled_events()

    def scheduled_events(self, guild: Ref) -> list[JSON]:
        """The guild's scheduled events (the live dicts, as the API returns them), after bringing
        their statuses up to :attr:`clock`."""
        found = self.world.guild(guild)
        self.world.advance_scheduled_events(found)
        return list(found.scheduled_events.values())

    def scheduled_event(self, guild: Ref, event: Ref) -> JSON:
        """One scheduled event (id, or a discord.py event), after advancing the guild's events;
        ``KeyError`` if unknown."""
        found = self.world.guild(guild)
        self.world.advance_scheduled_events(found)
        try:
            return found.scheduled_events[ref_id(event)]
        except KeyError:
            raise KeyError(f"unknown scheduled event {ref_id(event)}") from None

    # -- gateway ----------------------------------------------------------------------------

    @property
    def sessions(self) -> list[GatewaySession]:
        """Live gateway sessions (connected, or dropped but still resumable)."""
        return self.hub.live_sessions()

    @property
    def identify_count(self) -> int:
        return self.hub.identify_count

    @property
    def resume_count(self) -> int:
        return self.hub.resume_count

    @property
    def gateway_received(self) -> list[JSON]:
        """Every payload clients sent on the gateway except heartbeats (tokens redacted)."""
        return self.hub.received

    async def wait_until_connected(self, timeout: float = 5.0) -> GatewaySession:  # noqa: ASYNC109
        """Wait for a session that identified and got its READY + GUILD_CREATEs."""
        return await self.hub.wait_until_connected(timeout)

    async def flush(self) -> None:
        """Wait until every queued gateway event has been written to its socket."""
        await self.hub.flush()

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close every gateway socket with ``code``. The client reconnects and RESUMEs; events
        dispatched meanwhile are replayed after RESUMED."""
        await self.hub.drop(code)

    def refuse(
        self,
        method: str,
        path: str,
        *,
        times: int | None = None,
        status: int = 403,
        code: int = 50013,
        message: str = "Missing Permissions",
    ) -> Refusal:
        """Answer requests whose path matches the regex ``path`` with Discord's error (default: 403 Missing
        Permissions, as when an admin takes a permission away), ``times`` times or until :meth:`stop_refusing`."""
        refusal = Refusal(method.upper(), re.compile(path), ApiError(status, code, message), times)
        self.rest.refusals.append(refusal)
        return refusal

    def hold_replies(self, method: str, path: str, *, times: int = 1) -> HeldReply:
        """Carry out requests whose path matches the regex ``path`` but keep their reply until ``release()``, as
        when Discord did the work and the answer never came back (``times`` requests; ``reached`` tells when)."""
        held = HeldReply(method.upper(), re.compile(path), times)
        self.rest.held.append(held)
        return held

    def stop_refusing(self) -> None:
        self.rest.refusals.clear()

    def gateway_outage(self, code: int = 4000) -> contextlib.AbstractAsyncContextManager[None]:
        """``async with emu.gateway_outage(): ...`` drops every socket and holds reconnecting
        clients before HELLO until the block ends, so events inside are dispatched while down."""
        return self.hub.outage(code)

    def request_reconnect(self) -> Settled:
        """Send op 7 RECONNECT to every connected session."""
        self.hub.request_reconnect()
        return Settled(self.hub)

    def invalidate_sessions(self) -> Settled:
        """Send op 9 INVALID_SESSION(false): clients must IDENTIFY again."""
        self.hub.invalidate_sessions()
        return Settled(self.hub)

    # -- helpers ----------------------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[], Any | Awaitable[Any]],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        interval: float = 0.01,
        message: str | None = None,
    ) -> Any:
        """Poll ``predicate`` (sync, or returning an awaitable) until it is truthy; return its value.
        A predicate may also raise AssertionError to mean "not yet"."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last_error: AssertionError | None = None
        while True:
            try:
                result = predicate()
                if inspect.isawaitable(result):
                    result = await result
            except AssertionError as exc:
                result, last_error = None, exc
            if result:
                return result
            if loop.time() >= deadline:
                raise AssertionError(self._wait_failure(predicate, timeout, message, last_error))
            await asyncio.sleep(interval)

    def _wait_failure(
        self, predicate: Callable[[], Any], timeout: float, message: str | None, last_error: AssertionError | None
    ) -> str:
        try:
            source = inspect.getsource(predicate).strip()
        except (OSError, TypeError):
            source = repr(predicate)
        lines = [f"condition not met within {timeout}s: {source}"]
        if message:
            lines.append(message)
        if last_error is not None:
            lines.append(f"last assertion: {last_error}")
        failed = [r for r in self.requests[-50:] if r.status >= 400]
        if failed:
            lines.append("recent failed requests: " + ", ".join(repr(r) for r in failed[-8:]))
        if self.unknown_routes:
            lines.append(f"unknown routes hit: {self.unknown_routes[-5:]}")
        if self.internal_errors:
            lines.append("fakediscord internal error: " + self.internal_errors[-1])
        lines.append(f"gateway: identify={self.identify_count} resume={self.resume_count} sessions={self.sessions}")
        return "\n".join(lines)

    def broken_message_links(self) -> list[str]:
        """Discord message links (``https://discord.com/channels/<guild|@me>/<channel>[/<message>]``,
        also ptb./canary.) that would not open, found in any message the emulator holds (channel
        messages, threads, DMs, ephemeral interaction replies and follow-ups; content, embeds,
        components, polls and every earlier edit) and in modal/autocomplete responses. A link is
        broken when its first part is ``@me`` for a guild channel or thread, a guild id that is not
        the channel's guild (or any id for a DM channel), or when the linked message is known to be
        in another channel. Links to channels the emulator does not know are not judged. Each entry
        says where the link was found and why it is broken."""
        return find_broken_message_links(self.world)

    def assert_healthy(self) -> None:
        """Fail if an unknown route was hit, the emulator had an internal error, or a message holds
        a broken message link (see :meth:`broken_message_links`)."""
        problems = []
        if self.unknown_routes:
            problems.append(f"unknown routes: {self.unknown_routes}")
        if self.internal_errors:
            problems.append("internal errors:\n" + "\n".join(self.internal_errors))
        broken = self.broken_message_links()
        if broken:
            problems.append("broken message links:\n" + "\n".join(broken))
        if problems:
            raise AssertionError("; ".join(problems))

    def result_for(self, interaction: FakeInteraction) -> InteractionResult:
        return InteractionResult(self.world, interaction)
