"""The REST API under ``/api/v10``: routing, auth, rate limits, recording, and the route handlers."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
import logging
import re
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from . import validation as v
from .ratelimit import RateLimiter
from .state import (
    EVENT_CANCELED,
    EVENT_COMPLETED,
    JSON,
    ChannelType,
    FakeChannel,
    FakeGuild,
    FakeInteraction,
    FakeMessage,
    FakeUser,
    Intent,
    MessageFlag,
    Perm,
    StoredAttachment,
    World,
    emoji_key,
    is_custom_emoji_key,
    iso,
    looks_like_unicode_emoji,
    parse_iso,
    utcnow,
)

_log = logging.getLogger(__name__)

API_PREFIX_RE = re.compile(r"^/api(?:/v\d+)?(?=/)")
MAX_FILE_SIZE = 10 * 1024 * 1024
#: Discord returns the first message for a repeated ``nonce`` with ``enforce_nonce`` only "in the past few minutes";
#: measured by the emulator's clock (:attr:`FakeDiscord.clock`), so a test can move past it
NONCE_WINDOW = dt.timedelta(minutes=5)
#: message flags a bot may set when sending (SUPPRESS_EMBEDS, EPHEMERAL, SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2)
SENDABLE_FLAGS = 4 | MessageFlag.EPHEMERAL | 4096 | MessageFlag.IS_COMPONENTS_V2


@dataclass
class RecordedRequest:
    """One REST request as the emulator saw it (``path`` is relative to ``/api/v10``)."""

    method: str
    path: str
    route: str | None
    bucket: str | None
    json: Any
    files: list[str]
    query: dict[str, str]
    status: int
    time: float
    response: Any = None
    error_code: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}{f' ({self.error_code})' if self.error_code else ''}>"


@dataclass
class UploadedFile:
    field: str
    filename: str
    content: bytes
    content_type: str | None


@dataclass
class ApiRequest:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]

    def body(self) -> JSON:
        if self.json is None:
            return {}
        if not isinstance(self.json, dict):
            raise v.ApiError(
                400,
                50035,
                "Invalid Form Body",
                {"_errors": [{"code": "DICT_TYPE_CONVERT", "message": "Only dictionaries may be used in a DictType"}]},
            )
        return self.json

    def int_param(self, name: str, error: Callable[[], v.ApiError]) -> int:
        try:
            return int(self.params[name])
        except (KeyError, ValueError):
            raise error() from None


@dataclass
class Reply:
    status: int = 200
    body: Any = None


Handler = Callable[[ApiRequest], Awaitable[Reply]]


@dataclass
class RouteDef:
    method: str
    template: str
    handler: str
    bucket: str | None = None  # None: the default bucket, named by the route key
    auth: bool = True
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        self.regex = re.compile(f"^{pattern}$")

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"


_C = "/channels/{channel_id}"
_M = _C + "/messages/{message_id}"
_CMD = "/applications/{application_id}"
_GCMD = _CMD + "/guilds/{guild_id}/commands"
_WH = "/webhooks/{webhook_id}/{webhook_token}"

ROUTES: list[RouteDef] = [
    RouteDef("GET", "/users/@me", "get_me"),
    RouteDef("POST", "/users/@me/channels", "create_dm", bucket="dm_channel_create"),
    RouteDef("GET", "/users/@me/guilds", "list_own_guilds"),
    RouteDef("GET", "/users/{user_id}", "get_user"),
    RouteDef("GET", "/oauth2/applications/@me", "application_info"),
    RouteDef("GET", "/applications/@me", "application_info"),
    RouteDef("GET", "/gateway", "get_gateway", auth=False),
    RouteDef("GET", "/gateway/bot", "get_gateway_bot"),
    # application commands
    RouteDef("GET", _CMD + "/commands", "list_commands"),
    RouteDef("PUT", _CMD + "/commands", "bulk_overwrite_commands"),
    RouteDef("POST", _CMD + "/commands", "create_command"),
    RouteDef("GET", _CMD + "/commands/{command_id}", "get_command"),
    RouteDef("PATCH", _CMD + "/commands/{command_id}", "edit_command"),
    RouteDef("DELETE", _CMD + "/commands/{command_id}", "delete_command"),
    RouteDef("GET", _GCMD, "list_commands"),
    RouteDef("PUT", _GCMD, "bulk_overwrite_commands"),
    RouteDef("POST", _GCMD, "create_command"),
    RouteDef("GET", _GCMD + "/permissions", "list_command_permissions"),
    RouteDef("GET", _GCMD + "/{command_id}", "get_command"),
    RouteDef("PATCH", _GCMD + "/{command_id}", "edit_command"),
    RouteDef("DELETE", _GCMD + "/{command_id}", "delete_command"),
    # channels and messages
    RouteDef("GET", _C, "get_channel"),
    RouteDef("PATCH", _C, "edit_channel"),
    RouteDef("POST", _C + "/typing", "typing"),
    # threads
    RouteDef("POST", _M + "/threads", "start_thread_from_message"),
    RouteDef("POST", _C + "/threads", "start_thread_without_message"),
    RouteDef("GET", _C + "/threads/archived/public", "list_public_archived_threads"),
    RouteDef("PUT", _C + "/thread-members/@me", "join_thread"),
    RouteDef("DELETE", _C + "/thread-members/@me", "leave_thread"),
    RouteDef("GET", "/guilds/{guild_id}/threads/active", "list_active_threads"),
    RouteDef("GET", _C + "/messages", "list_messages"),
    RouteDef("POST", _C + "/messages", "create_message", bucket="message_create"),
    RouteDef("GET", _M, "get_message"),
    RouteDef("PATCH", _M, "edit_message", bucket="message_edit"),
    RouteDef("DELETE", _M, "delete_message", bucket="message_delete"),
    RouteDef("DELETE", _M + "/reactions", "clear_reactions", bucket="reaction"),
    RouteDef("PUT", _M + "/reactions/{emoji}/@me", "add_own_reaction", bucket="reaction"),
    RouteDef("DELETE", _M + "/reactions/{emoji}/@me", "remove_own_reaction", bucket="reaction"),
    RouteDef("DELETE", _M + "/reactions/{emoji}/{user_id}", "remove_user_reaction", bucket="reaction"),
    RouteDef("GET", _M + "/reactions/{emoji}", "get_reaction_users"),
    RouteDef("DELETE", _M + "/reactions/{emoji}", "clear_emoji_reactions", bucket="reaction"),
    # guilds
    RouteDef("GET", "/guilds/{guild_id}", "get_guild"),
    RouteDef("GET", "/guilds/{guild_id}/channels", "get_guild_channels"),
    RouteDef("GET", "/guilds/{guild_id}/roles", "get_guild_roles"),
    RouteDef("GET", "/guilds/{guild_id}/members", "list_members"),
    RouteDef("GET", "/guilds/{guild_id}/members/{user_id}", "get_member"),
    RouteDef("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", "add_member_role"),
    RouteDef("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", "remove_member_role"),
    RouteDef("GET", "/guilds/{guild_id}/scheduled-events", "list_events"),
    RouteDef("POST", "/guilds/{guild_id}/scheduled-events", "create_event"),
    RouteDef("GET", "/guilds/{guild_id}/scheduled-events/{event_id}", "get_event"),
    RouteDef("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", "edit_event"),
    RouteDef("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}", "delete_event"),
    RouteDef("GET", "/guilds/{guild_id}/scheduled-events/{event_id}/users", "list_event_users"),
    # interactions and their webhooks (authenticated by the token in the path)
    RouteDef(
        "POST",
        "/interactions/{webhook_id}/{webhook_token}/callback",
        "interaction_callback",
        bucket="interaction_callback",
        auth=False,
    ),
    RouteDef("POST", _WH, "execute_webhook", bucket="webhook", auth=False),
    RouteDef("GET", _WH + "/messages/{message_id}", "get_webhook_message", bucket="webhook", auth=False),
    RouteDef("PATCH", _WH + "/messages/{message_id}", "edit_webhook_message", bucket="webhook", auth=False),
    RouteDef("DELETE", _WH + "/messages/{message_id}", "delete_webhook_message", bucket="webhook", auth=False),
]

_MAJOR_PARAMS = ("channel_id", "guild_id", "webhook_id", "webhook_token")


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "yes")


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json`` (no charset)."""
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    return web.Response(status=status, body=json.dumps(body, ensure_ascii=False).encode(), headers=all_headers)


@dataclass
class Refusal:
    """A test's stand-in for Discord refusing requests (a permission taken away, an outage): matching requests get
    the error instead of being handled, ``times`` times (None: until removed)."""

    method: str
    path: re.Pattern[str]
    error: v.ApiError
    times: int | None = None
    refused: int = 0

    def applies(self, method: str, path: str) -> bool:
        return method == self.method and self.path.search(path) is not None and self.times != 0


@dataclass
class HeldReply:
    """A test's stand-in for a reply lost on the way back: matching requests are carried out (a message is created)
    but their reply waits until :meth:`release`, ``times`` times; ``reached`` is set when the first is held."""

    method: str
    path: re.Pattern[str]
    times: int = 1
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def applies(self, method: str, path: str) -> bool:
        return method == self.method and self.path.search(path) is not None and self.times != 0

    def release(self) -> None:
        self.released.set()


class RestApi:
    """Route table + handlers. State lives in :class:`World`; recordings live here."""

    def __init__(
        self,
        world: World,
        limiter: RateLimiter,
        *,
        interaction_deadline: float,
        token_lifetime: float = 15 * 60,
        gateway_url: Callable[[], str],
    ) -> None:
        self.world = world
        self.limiter = limiter
        self.interaction_deadline = interaction_deadline
        self.token_lifetime = token_lifetime
        self._gateway_url = gateway_url
        self.requests: list[RecordedRequest] = []
        self.rate_limited: list[RecordedRequest] = []
        self.unknown_routes: list[str] = []
        self.internal_errors: list[str] = []
        self.refusals: list[Refusal] = []
        self.held: list[HeldReply] = []
        self.app_owner = FakeUser(id=world.new_id(), name="AppOwner")
        self.verify_key = "0" * 64

    # -- dispatching ------------------------------------------------------------------------

    def _apply_refusals(self, method: str, path: str) -> None:
        for refusal in self.refusals:
            if refusal.applies(method, path):
                refusal.refused += 1
                if refusal.times is not None:
                    refusal.times -= 1
                raise refusal.error

    async def _hold_reply(self, method: str, path: str) -> None:
        for held in self.held:
            if held.applies(method, path):
                held.times -= 1
                held.reached.set()
                await held.released.wait()
                return

    async def handle(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        raw_path = request.rel_url.raw_path
        match = API_PREFIX_RE.match(raw_path)
        path = raw_path[match.end() :] if match else raw_path
        method = request.method.upper()
        query = {k: request.query[k] for k in request.query}

        route: RouteDef | None = None
        params: dict[str, str] = {}
        path_matched = False
        for candidate in ROUTES:
            found = candidate.regex.match(path)
            if found is None:
                continue
            path_matched = True
            if candidate.method == method:
                route = candidate
                params = {k: unquote(val) for k, val in found.groupdict().items()}
                break

        def record(
            status: int,
            body: Any,
            *,
            bucket: str | None = None,
            payload: Any = None,
            files: list[str] | None = None,
            headers: dict[str, str] | None = None,
        ) -> RecordedRequest:
            entry = RecordedRequest(
                method=method,
                path=unquote(path),
                route=route.key if route else None,
                bucket=bucket,
                json=payload,
                files=files or [],
                query=query,
                status=status,
                time=started,
                response=body,
                error_code=body.get("code") if isinstance(body, dict) and status >= 400 else None,
                response_headers=dict(headers or {}),
            )
            self.requests.append(entry)
            return entry

        if route is None or match is None:
            self.unknown_routes.append(f"{method} {unquote(path)}")
            _log.warning("fakediscord: unknown route %s %s", method, raw_path)
            if path_matched and match is not None:
                body = {"message": "405: Method Not Allowed", "code": 0}
                record(405, body)
                return json_response(405, body)
            body = {"message": "404: Not Found", "code": 0}
            record(404, body)
            return json_response(404, body)

        if route.auth and request.headers.get("Authorization") != f"Bot {self.world.token}":
            body = {"message": "401: Unauthorized", "code": 0}
            record(401, body)
            return json_response(401, body)

        try:
            payload, files = await self._read_body(request)
        except v.ApiError as exc:
            record(exc.status, exc.body())
            return json_response(exc.status, exc.body())

        bucket_name = route.bucket or route.key
        major = "+".join(params[p] for p in _MAJOR_PARAMS if p in params)
        decision = self.limiter.check(bucket_name, major, count_global=route.auth)
        file_names = [f.filename for f in files]
        if not decision.allowed:
            body = {
                "message": "You are being rate limited.",
                "retry_after": decision.retry_after,
                "global": decision.is_global,
            }
            if not decision.is_global:
                body["code"] = 0
            entry = record(
                429, body, bucket=decision.bucket, payload=payload, files=file_names, headers=decision.headers
            )
            self.rate_limited.append(entry)
            return json_response(429, body, decision.headers)

        api_request = ApiRequest(method=method, path=path, params=params, query=query, json=payload, files=files)
        handler: Handler = getattr(self, route.handler)
        try:
            self._apply_refusals(method, unquote(path))
            reply = await handler(api_request)
            await self._hold_reply(method, unquote(path))
        except v.ApiError as exc:
            record(
                exc.status,
                exc.body(),
                bucket=decision.bucket,
                payload=payload,
                files=file_names,
                headers=decision.headers,
            )
            return json_response(exc.status, exc.body(), decision.headers)
        except Exception as exc:
            text = f"{method} {path}: {exc!r}\n{traceback.format_exc()}"
            self.internal_errors.append(text)
            _log.exception("fakediscord internal error while handling %s %s", method, path)
            body = {"message": f"fakediscord internal error: {exc!r}", "code": 0}
            record(400, body, bucket=decision.bucket, payload=payload, files=file_names, headers=decision.headers)
            return json_response(400, body, decision.headers)

        record(
            reply.status,
            reply.body,
            bucket=decision.bucket,
            payload=payload,
            files=file_names,
            headers=decision.headers,
        )
        if reply.status == 204 or reply.body is None:
            return web.Response(status=204, headers=decision.headers)
        return json_response(reply.status, reply.body, decision.headers)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        content_type = request.content_type
        files: list[UploadedFile] = []
        if content_type.startswith("multipart/"):
            payload: Any = None
            form: JSON = {}
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "payload_json":
                    try:
                        payload = json.loads(await part.text())
                    except ValueError:
                        raise v.ApiError(400, 50109, "The request body contains invalid JSON.") from None
                elif part.filename is not None:
                    content = bytes(await part.read(decode=False))
                    if len(content) > MAX_FILE_SIZE:
                        raise v.ApiError(413, 40005, "Request entity too large")
                    files.append(
                        UploadedFile(part.name or "", part.filename, content, part.headers.get("Content-Type"))
                    )
                elif part.name:
                    form[part.name] = await part.text()
            if payload is None and form:
                payload = form
            return payload, files
        raw = await request.read()
        if not raw:
            return None, files
        try:
            return json.loads(raw), files
        except ValueError:
            raise v.ApiError(400, 50109, "The request body contains invalid JSON.") from None

    async def serve_attachment(self, request: web.Request) -> web.StreamResponse:
        try:
            channel_id = int(request.match_info["channel_id"])
            attachment_id = int(request.match_info["attachment_id"])
        except ValueError:
            raise web.HTTPNotFound() from None
        for message_id in self.world.channel_message_ids.get(channel_id, []) + [
            m.id for m in self.world.messages.values() if m.channel_id == channel_id and m.ephemeral
        ]:
            message = self.world.messages[message_id]
            for attachment in message.attachments:
                if attachment["id"] == attachment_id:
                    return web.Response(
                        body=attachment["content"],
                        headers={"Content-Type": attachment["content_type"] or "application/octet-stream"},
                    )
        raise web.HTTPNotFound()

    # -- helpers ----------------------------------------------------------------------------

    @property
    def bot_id(self) -> int:
        return self.world.bot_user.id

    def _channel(self, req: ApiRequest) -> FakeChannel:
        channel_id = req.int_param("channel_id", v.unknown_channel)
        channel = self.world.channels.get(channel_id)
        if channel is None:
            raise v.unknown_channel()
        if channel.guild_id is not None and channel.guild_id not in self.world.guilds:
            raise v.unknown_channel()
        return channel

    def _require(self, channel: FakeChannel, *perms: int) -> None:
        if channel.is_dm:
            return
        granted = self.world.permissions(self.bot_id, channel)
        if not granted & Perm.VIEW_CHANNEL:
            raise v.missing_access()
        for perm in perms:
            if not granted & perm:
                raise v.missing_permissions()

    @staticmethod
    def _require_unarchived(channel: FakeChannel) -> None:
        """Archived threads are read-only (Discord: 400/50083) until something unarchives them."""
        if channel.archived:
            raise v.thread_archived()

    def _message(self, req: ApiRequest, channel: FakeChannel) -> FakeMessage:
        message_id = req.int_param("message_id", v.unknown_message)
        message = self.world.messages.get(message_id)
        if message is None or message.channel_id != channel.id or message.deleted or message.ephemeral:
            raise v.unknown_message()
        return message

    def _guild(self, req: ApiRequest) -> FakeGuild:
        guild_id = req.int_param("guild_id", v.unknown_guild)
        guild = self.world.guilds.get(guild_id)
        if guild is None:
            raise v.unknown_guild()
        return guild

    def _emoji(self, req: ApiRequest) -> str:
        key = emoji_key(req.params["emoji"])
        if is_custom_emoji_key(key):
            emoji_id = int(key.partition(":")[2])
            if not any(emoji_id in g.emojis for g in self.world.guilds.values()):
                raise v.unknown_emoji()
            return key
        if not looks_like_unicode_emoji(key):
            raise v.unknown_emoji()
        return key

    def _collect_attachments(
        self, payload: JSON, files: list[UploadedFile], existing: list[StoredAttachment]
    ) -> list[StoredAttachment]:
        by_index: dict[int, UploadedFile] = {}
        for position, upload in enumerate(files):
            found = re.fullmatch(r"files\[(\d+)\]", upload.field)
            by_index[int(found.group(1)) if found else position] = upload
        listed = payload.get("attachments")
        result: list[StoredAttachment] = []
        if listed is None:
            result = list(existing)
        else:
            errors = v.FormErrors()
            keep = {a["id"]: a for a in existing}
            for i, entry in enumerate(listed if isinstance(listed, list) else []):
                try:
                    attachment_id = int(entry.get("id"))
                except (TypeError, ValueError, AttributeError):
                    errors.add(["attachments", i, "id"], "BASE_TYPE_REQUIRED", "This field is required")
                    continue
                if attachment_id in keep:
                    result.append(keep[attachment_id])
                elif attachment_id in by_index:
                    upload = by_index.pop(attachment_id)
                    result.append(
                        self.world.make_attachment(
                            entry.get("filename") or upload.filename,
                            upload.content,
                            content_type=upload.content_type,
                            description=entry.get("description"),
                        )
                    )
                else:
                    errors.add(["attachments", i], "ATTACHMENT_NOT_FOUND", "Attachment not found")
            errors.raise_if_any()
        for upload in by_index.values():
            result.append(self.world.make_attachment(upload.filename, upload.content, content_type=upload.content_type))
        if len(result) > 10:
            errors = v.FormErrors()
            errors.add(["attachments"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
            errors.raise_if_any()
        return result

    def _poll(self, raw: JSON) -> JSON:
        hours = float(raw.get("duration", 24))
        return {
            "question": raw.get("question"),
            "answers": [
                {"answer_id": i + 1, "poll_media": answer.get("poll_media")}
                for i, answer in enumerate(raw.get("answers") or [])
            ],
            "expiry": iso(utcnow() + dt.timedelta(hours=hours)),
            "allow_multiselect": bool(raw.get("allow_multiselect", False)),
            "layout_type": raw.get("layout_type", 1),
            "results": {"is_finalized": False, "answer_counts": []},
        }

    @staticmethod
    def _is_empty(
        content: str, embeds: list[JSON], components: list[JSON], attachments: list[StoredAttachment], payload: JSON
    ) -> bool:
        return not (content or embeds or components or attachments or payload.get("sticker_ids") or payload.get("poll"))

    def _new_message(
        self,
        channel: FakeChannel,
        payload: JSON,
        files: list[UploadedFile],
        *,
        allow_empty: bool = False,
        **extra: Any,
    ) -> FakeMessage:
        v.validate_message_payload(payload)
        attachments = self._collect_attachments(payload, files, [])
        content = payload.get("content") or ""
        embeds = list(payload.get("embeds") or ([payload["embed"]] if payload.get("embed") else []))
        components = list(payload.get("components") or [])
        if not allow_empty and self._is_empty(content, embeds, components, attachments, payload):
            raise v.empty_message()
        flags = payload.get("flags") or 0
        message = FakeMessage(
            id=self.world.new_id(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author_id=self.bot_id,
            content=content,
            embeds=embeds,
            components=components,
            attachments=attachments,
            flags=(flags if isinstance(flags, int) else 0) & SENDABLE_FLAGS,
            tts=bool(payload.get("tts", False)),
            poll=self._poll(payload["poll"]) if payload.get("poll") else None,
            **extra,
        )
        return message

    def apply_edit(self, message: FakeMessage, payload: JSON, files: list[UploadedFile]) -> None:
        """Apply a message edit (channel PATCH, webhook PATCH or an UPDATE_MESSAGE callback)."""
        v.validate_message_payload(payload)
        if payload.get("poll") is not None:
            errors = v.FormErrors()
            errors.add(["poll"], "POLL_EDIT_NOT_ALLOWED", "Polls cannot be edited")
            errors.raise_if_any()
        content = message.content
        if "content" in payload:
            content = payload["content"] or ""
        embeds = message.embeds
        if "embeds" in payload:
            embeds = list(payload["embeds"] or [])
        elif "embed" in payload:
            embeds = [payload["embed"]] if payload["embed"] else []
        components = message.components
        if "components" in payload:
            components = list(payload["components"] or [])
        attachments = message.attachments
        if "attachments" in payload or files:
            attachments = self._collect_attachments(payload, files, message.attachments)
        if self._is_empty(content, embeds, components, attachments, {"poll": message.poll}):
            raise v.empty_message()
        message.content = content
        message.embeds = embeds
        message.components = components
        message.attachments = attachments
        flags = payload.get("flags")
        if isinstance(flags, int):
            message.flags = (message.flags & ~4) | (flags & 4) | (flags & MessageFlag.IS_COMPONENTS_V2)
        message.flags &= ~MessageFlag.LOADING
        recorded = dict(payload)
        if files:
            recorded["_files"] = [f.filename for f in files]
        message.edits.append(recorded)
        message.edited_at = utcnow()
        self.world.parse_mentions(message)
        self.world.announce_update(message)
        for interaction in self.world.interactions.values():
            if (
                interaction.response_type == 6
                and interaction.source_message_id == message.id
                and not interaction.completed
            ):
                interaction.completed = True
                interaction.touch()

    # -- users / application / gateway ------------------------------------------------------

    async def get_me(self, req: ApiRequest) -> Reply:
        return Reply(body=self.world.bot_user_dict())

    async def get_user(self, req: ApiRequest) -> Reply:
        user = self.world.users.get(req.int_param("user_id", v.unknown_user))
        if user is None:
            raise v.unknown_user()
        return Reply(body=user.to_dict())

    async def list_own_guilds(self, req: ApiRequest) -> Reply:
        """The bot's guilds as partial guilds by id (``before``, ``after``, ``limit`` 1-200, ``with_counts``)."""
        try:
            limit = int(req.query.get("limit", 200))
            before = int(req.query.get("before", 0)) or None
            after = int(req.query.get("after", 0))
        except ValueError:
            limit, before, after = -1, None, 0
        if not 1 <= limit <= 200:
            errors = v.FormErrors()
            errors.add(["limit"], "NUMBER_TYPE_MAX", "int value should be between 1 and 200.")
            errors.raise_if_any()
        guilds = sorted(
            (g for g in self.world.guilds.values() if g.id > after and (before is None or g.id < before)),
            key=lambda g: g.id,
        )
        with_counts = _truthy(req.query.get("with_counts"))
        body: list[JSON] = []
        for guild in guilds[:limit]:
            entry: JSON = {
                "id": str(guild.id),
                "name": guild.name,
                "icon": None,
                "banner": None,
                "owner": guild.owner_id == self.bot_id,
                "permissions": str(guild.base_permissions(self.bot_id)),
                "features": [],
            }
            if with_counts:
                entry["approximate_member_count"] = guild.member_count
                entry["approximate_presence_count"] = 0
            body.append(entry)
        return Reply(body=body)

    async def create_dm(self, req: ApiRequest) -> Reply:
        body = req.body()
        try:
            user = self.world.users.get(int(body["recipient_id"]))
        except (KeyError, TypeError, ValueError):
            user = None
        if user is None:
            raise v.unknown_user()
        channel = self.world.dm_channel_for(user)
        assert channel is not None
        return Reply(body=self.world.channel_dict(channel))

    async def application_info(self, req: ApiRequest) -> Reply:
        world = self.world
        return Reply(
            body={
                "id": str(world.application_id),
                "name": world.bot_user.name,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.app_owner.to_dict(),
                "team": None,
                "verify_key": self.verify_key,
                "flags": 1 << 23,
                "hook": True,
                "rpc_origins": [],
                "tags": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "role_connections_verification_url": None,
                "approximate_guild_count": len(world.guilds),
                "integration_types_config": {"0": {}},
                "bot": world.bot_user.to_dict(),
            }
        )

    async def get_gateway(self, req: ApiRequest) -> Reply:
        return Reply(body={"url": self._gateway_url()})

    async def get_gateway_bot(self, req: ApiRequest) -> Reply:
        return Reply(
            body={
                "url": self._gateway_url(),
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    # -- application commands ---------------------------------------------------------------

    def _command_scope(self, req: ApiRequest) -> tuple[dict[int, JSON], int | None]:
        if req.params.get("application_id") != str(self.world.application_id):
            raise v.ApiError(403, 20012, "You are not authorized to perform this action on this application")
        if "guild_id" in req.params:
            guild = self._guild(req)
            return self.world.guild_commands.setdefault(guild.id, {}), guild.id
        return self.world.global_commands, None

    def _build_command(self, payload: JSON, existing: JSON | None, guild_id: int | None) -> JSON:
        command: JSON = {
            "id": existing["id"] if existing else str(self.world.new_id()),
            "application_id": str(self.world.application_id),
            "version": existing["version"] if existing else str(self.world.new_id()),
            "type": payload.get("type", 1),
            "name": payload["name"],
            "name_localizations": payload.get("name_localizations"),
            "description": payload.get("description", ""),
            "description_localizations": payload.get("description_localizations"),
            "options": payload.get("options") or [],
            "default_member_permissions": payload.get("default_member_permissions"),
            "dm_permission": payload.get("dm_permission", True),
            "contexts": payload.get("contexts"),
            "integration_types": payload.get("integration_types") or [0],
            "nsfw": bool(payload.get("nsfw", False)),
        }
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
            command.pop("dm_permission")
        if existing is not None:
            comparable = (
                "name",
                "name_localizations",
                "description",
                "description_localizations",
                "options",
                "default_member_permissions",
                "contexts",
                "integration_types",
                "nsfw",
                "type",
            )
            if any(existing.get(k) != command.get(k) for k in comparable):
                command["version"] = str(self.world.new_id())
        return command

    async def list_commands(self, req: ApiRequest) -> Reply:
        scope, _ = self._command_scope(req)
        return Reply(body=list(scope.values()))

    async def bulk_overwrite_commands(self, req: ApiRequest) -> Reply:
        scope, guild_id = self._command_scope(req)
        payload = req.json
        v.validate_command_list(payload)
        by_name = {(c["type"], c["name"]): c for c in scope.values()}
        new_scope: dict[int, JSON] = {}
        for item in payload:
            existing = by_name.get((item.get("type", 1), item["name"]))
            command = self._build_command(item, existing, guild_id)
            new_scope[int(command["id"])] = command
        scope.clear()
        scope.update(new_scope)
        self.world.command_sync_count += 1
        return Reply(body=list(scope.values()))

    async def create_command(self, req: ApiRequest) -> Reply:
        scope, guild_id = self._command_scope(req)
        payload = req.body()
        errors = v.FormErrors()
        v.validate_command(errors, payload, [])
        errors.raise_if_any()
        existing = next(
            (c for c in scope.values() if c["type"] == payload.get("type", 1) and c["name"] == payload["name"]), None
        )
        command = self._build_command(payload, existing, guild_id)
        scope[int(command["id"])] = command
        return Reply(status=200 if existing else 201, body=command)

    def _command(self, req: ApiRequest, scope: dict[int, JSON]) -> JSON:
        command = scope.get(req.int_param("command_id", v.unknown_command))
        if command is None:
            raise v.unknown_command()
        return command

    async def get_command(self, req: ApiRequest) -> Reply:
        scope, _ = self._command_scope(req)
        return Reply(body=self._command(req, scope))

    async def edit_command(self, req: ApiRequest) -> Reply:
        scope, guild_id = self._command_scope(req)
        existing = self._command(req, scope)
        merged = {**existing, **req.body()}
        errors = v.FormErrors()
        v.validate_command(errors, merged, [])
        errors.raise_if_any()
        command = self._build_command(merged, existing, guild_id)
        scope[int(command["id"])] = command
        return Reply(body=command)

    async def delete_command(self, req: ApiRequest) -> Reply:
        scope, _ = self._command_scope(req)
        command = self._command(req, scope)
        del scope[int(command["id"])]
        return Reply(status=204)

    async def list_command_permissions(self, req: ApiRequest) -> Reply:
        self._command_scope(req)
        return Reply(body=[])

    # -- channels and messages --------------------------------------------------------------

    async def get_channel(self, req: ApiRequest) -> Reply:
        channel = self._channel(req)
        self._require(channel)
        return Reply(body=self.world.channel_dict(channel))

    async def edit_channel(self, req: ApiRequest) -> Reply:
        """PATCH /channels/{id}: only threads are emulated (name, archived, locked, auto_archive_duration,
        rate_limit_per_user, invitable); other channels answer 405 and count as an unknown route."""
        channel = self._channel(req)
        info = channel.thread
        if info is None:
            self.unknown_routes.append(f"{req.method} {unquote(req.path)}")
            raise v.ApiError(405, 0, "405: Method Not Allowed")
        self._require(channel)
        payload = req.body()
        v.validate_thread_payload(payload, creating=False)
        perms = self.world.permissions(self.bot_id, channel)
        unarchive = payload.get("archived") is False
        if info.archived and not unarchive:
            raise v.thread_archived()
        if not perms & Perm.MANAGE_THREADS:
            # without MANAGE_THREADS: nothing on a locked thread; the owner may rename/archive/...;
            # anyone who may post may unarchive an unlocked thread
            if info.locked or ("locked" in payload and payload["locked"] != info.locked):
                raise v.missing_permissions()
            owner_only = ("name", "auto_archive_duration", "rate_limit_per_user", "invitable")
            if (any(k in payload for k in owner_only) or payload.get("archived") is True) and (
                info.owner_id != self.bot_id
            ):
                raise v.missing_permissions()
            if unarchive and not perms & Perm.SEND_MESSAGES_IN_THREADS:
                raise v.missing_permissions()
        private = channel.type == ChannelType.PRIVATE_THREAD
        self.world.update_thread(
            channel,
            name=payload.get("name"),
            archived=payload.get("archived"),
            locked=payload.get("locked"),
            auto_archive_duration=payload.get("auto_archive_duration"),
            rate_limit_per_user=payload.get("rate_limit_per_user"),
            invitable=payload.get("invitable") if private else None,
        )
        return Reply(body=self.world.channel_dict(channel))

    async def typing(self, req: ApiRequest) -> Reply:
        channel = self._channel(req)
        self._require(channel, self.world.send_permission(channel))
        return Reply(status=204)

    async def list_messages(self, req: ApiRequest) -> Reply:
        channel = self._channel(req)
        self._require(channel, Perm.READ_MESSAGE_HISTORY)
        try:
            limit = int(req.query.get("limit", 50))
        except ValueError:
            limit = -1
        if not 1 <= limit <= 100:
            errors = v.FormErrors()
            errors.add(["limit"], "NUMBER_TYPE_MAX", "int value should be between 1 and 100.")
            errors.raise_if_any()
        messages = [m for m in self.world.channel_messages(channel.id) if not m.deleted]
        if "before" in req.query:
            before = int(req.query["before"])
            selected = [m for m in messages if m.id < before][-limit:]
        elif "after" in req.query:
            after = int(req.query["after"])
            selected = [m for m in messages if m.id > after][:limit]
        elif "around" in req.query:
            around = int(req.query["around"])
            older = [m for m in messages if m.id < around]
            newer = [m for m in messages if m.id >= around]
            half = limit // 2
            selected = older[-half:] if half else []
            selected += newer[: limit - len(selected)]
        else:
            selected = messages[-limit:]
        return Reply(body=[self.world.message_dict(m) for m in reversed(selected)])

    async def create_message(self, req: ApiRequest) -> Reply:
        channel = self._channel(req)
        payload = req.body()
        needs = [self.world.send_permission(channel)]
        if req.files:
            needs.append(Perm.ATTACH_FILES)
        self._require(channel, *needs)
        if channel.is_dm:
            recipient = self.world.users.get(channel.recipient_id or 0)
            if recipient is None or not recipient.accepts_dms or not self.world.shares_guild_with_bot(recipient.id):
                raise v.cannot_dm()
        nonce = payload.get("nonce")
        nonce_key = (self.bot_id, channel.id, str(nonce))
        if nonce is not None and payload.get("enforce_nonce"):
            seen = self.world.nonces.get(nonce_key)
            if seen is not None and self.world.now() - seen[0] < NONCE_WINDOW:
                existing = self.world.messages.get(seen[1])
                if existing is not None and not existing.deleted:
                    return Reply(body=self.world.message_dict(existing, created=True))
        reference: JSON | None = None
        message_type = 0
        raw_reference = payload.get("message_reference")
        if isinstance(raw_reference, dict) and raw_reference.get("message_id") is not None:
            target = self.world.messages.get(int(raw_reference["message_id"]))
            if target is None or target.deleted:
                if raw_reference.get("fail_if_not_exists", True):
                    errors = v.FormErrors()
                    errors.add(["message_reference"], "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
                    errors.raise_if_any()
            else:
                reference = {
                    "type": 0,
                    "message_id": str(target.id),
                    "channel_id": str(target.channel_id),
                }
                if target.guild_id is not None:
                    reference["guild_id"] = str(target.guild_id)
                message_type = 19
        message = self._new_message(
            channel,
            payload,
            req.files,
            nonce=str(nonce) if nonce is not None else None,
            message_reference=reference,
            type=message_type,
        )
        message.flags &= ~MessageFlag.EPHEMERAL
        if channel.thread is not None:
            self._enter_thread(channel)
        self.world.store_message(message)
        if nonce is not None:
            self.world.nonces[nonce_key] = (self.world.now(), message.id)
        return Reply(body=self.world.message_dict(message, created=True))

    def _enter_thread(self, thread: FakeChannel) -> None:
        """What posting in a thread does first: a locked thread needs MANAGE_THREADS (160005), an
        archived one is unarchived (THREAD_UPDATE), and the bot joins it (THREAD_MEMBERS_UPDATE)."""
        assert thread.thread is not None
        manage = self.world.permissions(self.bot_id, thread) & Perm.MANAGE_THREADS
        if thread.thread.locked and not manage:
            raise v.thread_locked()
        if thread.thread.archived:
            self.world.update_thread(thread, archived=False)
        self.world.add_thread_member(thread, self.bot_id)

    async def get_message(self, req: ApiRequest) -> Reply:
        channel = self._channel(req)
        self._require(channel, Perm.READ_MESSAGE_HISTORY)
        return Reply(body=self.world.message_dict(self._message(req, channel)))

    async def edit_message(self, req: ApiRequest) -> Reply:
        channel = self._channel(req)
        self._require(channel)
        message = self._message(req, channel)
        if message.author_id != self.bot_id:
            raise v.ApiError(403, 50005, "Cannot edit a message authored by another user")
        self._require_unarchived(channel)
        self.apply_edit(message, req.body(), req.files)
        return Reply(body=self.world.message_dict(message))

    async def delete_message(self, req: ApiRequest) -> Reply:
        channel = self._channel(req)
        self._require(channel)
        message = self._message(req, channel)
        if message.author_id != self.bot_id:
            if channel.is_dm:
                raise v.ApiError(403, 50003, "Cannot execute action on a DM channel")
            self._require(channel, Perm.MANAGE_MESSAGES)
        self._require_unarchived(channel)
        self.world.mark_deleted(message)
        return Reply(status=204)

    # -- reactions --------------------------------------------------------------------------

    def _reaction_target(self, req: ApiRequest, *, write: bool = True) -> tuple[FakeChannel, FakeMessage]:
        channel = self._channel(req)
        self._require(channel, Perm.READ_MESSAGE_HISTORY)
        message = self._message(req, channel)
        if write:
            self._require_unarchived(channel)
        return channel, message

    async def add_own_reaction(self, req: ApiRequest) -> Reply:
        channel, message = self._reaction_target(req)
        key = self._emoji(req)
        if key not in message.reactions:
            self._require(channel, Perm.ADD_REACTIONS)
            if len(message.reactions) >= 20:
                raise v.ApiError(400, 30010, "Maximum number of reactions reached (20)")
        self.world.add_reaction(message, self.bot_id, key)
        return Reply(status=204)

    async def remove_own_reaction(self, req: ApiRequest) -> Reply:
        _, message = self._reaction_target(req)
        self.world.remove_reaction(message, self.bot_id, self._emoji(req))
        return Reply(status=204)

    async def remove_user_reaction(self, req: ApiRequest) -> Reply:
        channel, message = self._reaction_target(req)
        key = self._emoji(req)
        user_id = req.int_param("user_id", v.unknown_user)
        if user_id != self.bot_id:
            if channel.is_dm:
                raise v.ApiError(403, 50003, "Cannot execute action on a DM channel")
            self._require(channel, Perm.MANAGE_MESSAGES)
        self.world.remove_reaction(message, user_id, key)
        return Reply(status=204)

    async def get_reaction_users(self, req: ApiRequest) -> Reply:
        _, message = self._reaction_target(req, write=False)
        key = self._emoji(req)
        errors = v.FormErrors()
        try:
            limit = int(req.query.get("limit", 25))
            after = int(req.query.get("after", 0))
        except ValueError:
            limit, after = -1, 0
        if not 1 <= limit <= 100:
            errors.add(["limit"], "NUMBER_TYPE_MAX", "int value should be between 1 and 100.")
        errors.raise_if_any()
        if req.query.get("type") == "1":
            return Reply(body=[])
        user_ids = sorted(u for u in message.reactions.get(key, []) if u > after)[:limit]
        return Reply(body=[self.world.users[u].to_dict() for u in user_ids if u in self.world.users])

    async def clear_reactions(self, req: ApiRequest) -> Reply:
        channel, message = self._reaction_target(req)
        if channel.is_dm:
            raise v.ApiError(403, 50003, "Cannot execute action on a DM channel")
        self._require(channel, Perm.MANAGE_MESSAGES)
        self.world.clear_reactions(message)
        return Reply(status=204)

    async def clear_emoji_reactions(self, req: ApiRequest) -> Reply:
        channel, message = self._reaction_target(req)
        if channel.is_dm:
            raise v.ApiError(403, 50003, "Cannot execute action on a DM channel")
        self._require(channel, Perm.MANAGE_MESSAGES)
        self.world.clear_reactions(message, self._emoji(req))
        return Reply(status=204)

    # -- threads ----------------------------------------------------------------------------

    def _thread(self, req: ApiRequest) -> FakeChannel:
        channel = self._channel(req)
        if channel.thread is None:
            raise v.wrong_channel_type()
        self._require(channel)
        return channel

    def _thread_members_of_bot(self, threads: list[FakeChannel]) -> list[JSON]:
        return [
            self.world.thread_member_dict(t, self.bot_id)
            for t in threads
            if t.thread is not None and self.bot_id in t.thread.members
        ]

    async def start_thread_from_message(self, req: ApiRequest) -> Reply:
        channel = self._channel(req)
        self._require(channel, Perm.CREATE_PUBLIC_THREADS)
        if channel.type not in ChannelType.THREAD_PARENTS:
            raise v.wrong_channel_type()
        message = self._message(req, channel)
        if message.thread_id is not None:
            raise v.thread_already_created()
        payload = req.body()
        v.validate_thread_payload(payload, creating=True)
        announcement = channel.type == ChannelType.GUILD_ANNOUNCEMENT
        thread = self.world.create_thread(
            channel,
            name=payload["name"],
            owner_id=self.bot_id,
            thread_type=ChannelType.ANNOUNCEMENT_THREAD if announcement else ChannelType.PUBLIC_THREAD,
            starter=message,
            auto_archive_duration=payload.get("auto_archive_duration") or 1440,
            rate_limit_per_user=payload.get("rate_limit_per_user") or 0,
        )
        return Reply(status=201, body=self.world.thread_dict(thread, with_member=True))

    async def start_thread_without_message(self, req: ApiRequest) -> Reply:
        channel = self._channel(req)
        self._require(channel)
        if channel.type not in ChannelType.THREAD_PARENTS:
            raise v.wrong_channel_type()
        payload = req.body()
        # Discord still defaults to a private thread when "type" is missing
        thread_type = payload.get("type", ChannelType.PRIVATE_THREAD)
        if channel.type == ChannelType.GUILD_ANNOUNCEMENT:
            allowed: tuple[int, ...] = (ChannelType.ANNOUNCEMENT_THREAD,)
        else:
            allowed = (ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD)
        if isinstance(thread_type, bool) or thread_type not in allowed:
            errors = v.FormErrors()
            errors.add(["type"], "BASE_TYPE_CHOICES", f"Value must be one of {set(allowed)}.")
            errors.raise_if_any()
        private = thread_type == ChannelType.PRIVATE_THREAD
        self._require(channel, Perm.CREATE_PRIVATE_THREADS if private else Perm.CREATE_PUBLIC_THREADS)
        v.validate_thread_payload(payload, creating=True)
        thread = self.world.create_thread(
            channel,
            name=payload["name"],
            owner_id=self.bot_id,
            thread_type=thread_type,
            auto_archive_duration=payload.get("auto_archive_duration") or 1440,
            rate_limit_per_user=payload.get("rate_limit_per_user") or 0,
            invitable=payload.get("invitable", True) is not False,
        )
        return Reply(status=201, body=self.world.thread_dict(thread, with_member=True))

    async def join_thread(self, req: ApiRequest) -> Reply:
        thread = self._thread(req)
        self._require_unarchived(thread)
        self.world.add_thread_member(thread, self.bot_id)
        return Reply(status=204)

    async def leave_thread(self, req: ApiRequest) -> Reply:
        thread = self._thread(req)
        self._require_unarchived(thread)
        self.world.remove_thread_member(thread, self.bot_id)
        return Reply(status=204)

    async def list_active_threads(self, req: ApiRequest) -> Reply:
        guild = self._guild(req)
        threads = self.world.active_threads(guild)
        return Reply(
            body={
                "threads": [self.world.thread_dict(t) for t in threads],
                "members": self._thread_members_of_bot(threads),
            }
        )

    async def list_public_archived_threads(self, req: ApiRequest) -> Reply:
        channel = self._channel(req)
        self._require(channel, Perm.READ_MESSAGE_HISTORY)
        guild = self.world.guild_of(channel)
        if guild is None or channel.type not in ChannelType.THREAD_PARENTS:
            raise v.wrong_channel_type()
        errors = v.FormErrors()
        try:
            limit = int(req.query.get("limit", 50))
        except ValueError:
            limit = -1
        if not 1 <= limit <= 100:
            errors.add(["limit"], "NUMBER_TYPE_MAX", "int value should be between 1 and 100.")
        before: dt.datetime | None = None
        if req.query.get("before"):
            try:
                # an unencoded "+00:00" arrives as " 00:00"
                before = parse_iso(req.query["before"].replace(" ", "+"))
            except ValueError:
                errors.add(["before"], "DATE_TYPE_CONVERT", "Could not interpret the value as a date.")
        errors.raise_if_any()
        archived = [
            t
            for t in guild.threads
            if t.parent_id == channel.id
            and t.thread is not None
            and t.archived
            and t.type != ChannelType.PRIVATE_THREAD
            and (before is None or t.thread.archive_timestamp < before)
        ]
        archived.sort(key=lambda t: t.thread.archive_timestamp if t.thread else utcnow(), reverse=True)
        page = archived[:limit]
        return Reply(
            body={
                "threads": [self.world.thread_dict(t) for t in page],
                "members": self._thread_members_of_bot(page),
                "has_more": len(archived) > limit,
            }
        )

    # -- guilds -----------------------------------------------------------------------------

    async def get_guild(self, req: ApiRequest) -> Reply:
        guild = self._guild(req)
        body = self.world.guild_dict(guild)
        if _truthy(req.query.get("with_counts")):
            body["approximate_member_count"] = guild.member_count
            body["approximate_presence_count"] = 0
        return Reply(body=body)

    async def get_guild_channels(self, req: ApiRequest) -> Reply:
        guild = self._guild(req)
        return Reply(body=[self.world.channel_dict(c) for c in guild.channels.values()])

    async def get_guild_roles(self, req: ApiRequest) -> Reply:
        guild = self._guild(req)
        return Reply(body=[r.to_dict() for r in guild.roles.values()])

    async def list_members(self, req: ApiRequest) -> Reply:
        guild = self._guild(req)
        try:
            limit = int(req.query.get("limit", 1))
            after = int(req.query.get("after", 0))
        except ValueError:
            limit, after = -1, 0
        if not 1 <= limit <= 1000:
            errors = v.FormErrors()
            errors.add(["limit"], "NUMBER_TYPE_MAX", "int value should be between 1 and 1000.")
            errors.raise_if_any()
        members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)[:limit]
        return Reply(body=[m.to_dict() for m in members])

    async def get_member(self, req: ApiRequest) -> Reply:
        guild = self._guild(req)
        member = guild.members.get(req.int_param("user_id", v.unknown_member))
        if member is None:
            raise v.unknown_member()
        return Reply(body=member.to_dict())

    def _role_change(self, req: ApiRequest) -> tuple[FakeGuild, int, int]:
        guild = self._guild(req)
        user_id = req.int_param("user_id", v.unknown_member)
        if user_id not in guild.members:
            raise v.unknown_member()
        role_id = req.int_param("role_id", v.unknown_role)
        role = guild.roles.get(role_id)
        if role is None:
            raise v.unknown_role()
        perms = guild.base_permissions(self.bot_id)
        if not perms & Perm.MANAGE_ROLES or role.position >= guild.highest_role_position(self.bot_id):
            raise v.missing_permissions()
        return guild, user_id, role_id

    async def add_member_role(self, req: ApiRequest) -> Reply:
        guild, user_id, role_id = self._role_change(req)
        member = guild.members[user_id]
        if role_id not in member.roles:
            member.roles.append(role_id)
            self.world.dispatch_member_update(guild, member)
        return Reply(status=204)

    async def remove_member_role(self, req: ApiRequest) -> Reply:
        guild, user_id, role_id = self._role_change(req)
        member = guild.members[user_id]
        if role_id in member.roles:
            member.roles.remove(role_id)
            self.world.dispatch_member_update(guild, member)
        return Reply(status=204)

    # -- scheduled events -------------------------------------------------------------------

    def _event(self, req: ApiRequest, guild: FakeGuild) -> JSON:
        event = guild.scheduled_events.get(req.int_param("event_id", v.unknown_event))
        if event is None:
            raise v.unknown_event()
        return event

    def _event_body(self, event: JSON, req: ApiRequest) -> JSON:
        body = dict(event)
        if not _truthy(req.query.get("with_user_count")):
            body.pop("user_count", None)
        return body

    def _require_events(self, guild: FakeGuild, event: JSON | None) -> None:
        perms = guild.base_permissions(self.bot_id)
        if perms & Perm.MANAGE_EVENTS:
            return
        if perms & Perm.CREATE_EVENTS and (event is None or event.get("creator_id") == str(self.bot_id)):
            return
        raise v.missing_permissions()

    def _normalise_event_fields(self, event: JSON) -> None:
        for key in ("scheduled_start_time", "scheduled_end_time"):
            if event.get(key) is not None:
                event[key] = iso(parse_iso(str(event[key])))
        if event.get("channel_id") is not None:
            event["channel_id"] = str(event["channel_id"])

    def _event_guild(self, req: ApiRequest) -> FakeGuild:
        """The guild of a scheduled-event route, with its events brought up to Discord's clock
        (EXTERNAL events start and end on their own; see World.advance_scheduled_events)."""
        guild = self._guild(req)
        self.world.advance_scheduled_events(guild)
        return guild

    async def list_events(self, req: ApiRequest) -> Reply:
        guild = self._event_guild(req)
        return Reply(body=[self._event_body(e, req) for e in guild.scheduled_events.values()])

    async def create_event(self, req: ApiRequest) -> Reply:
        guild = self._event_guild(req)
        self._require_events(guild, None)
        payload = req.body()
        active = sum(1 for e in guild.scheduled_events.values() if e.get("status") in (1, 2))
        if active >= 100:
            raise v.ApiError(400, 30038, "Maximum number of uncompleted guild scheduled events reached (100)")
        channel_types = {c.id: c.type for c in guild.channels.values()}
        merged = v.validate_scheduled_event(payload, existing=None, channel_types=channel_types, now=self.world.now())
        event: JSON = {
            "id": str(self.world.new_id()),
            "guild_id": str(guild.id),
            "channel_id": merged.get("channel_id"),
            "creator_id": str(self.bot_id),
            "creator": self.world.bot_user.to_dict(),
            "name": merged["name"],
            "description": merged.get("description"),
            "scheduled_start_time": merged["scheduled_start_time"],
            "scheduled_end_time": merged.get("scheduled_end_time"),
            "privacy_level": merged["privacy_level"],
            "status": 1,
            "entity_type": merged["entity_type"],
            "entity_id": None,
            "entity_metadata": merged.get("entity_metadata"),
            "user_count": 0,
            "image": None,
            "recurrence_rule": merged.get("recurrence_rule"),
        }
        self._normalise_event_fields(event)
        guild.scheduled_events[int(event["id"])] = event
        self.world.dispatch("GUILD_SCHEDULED_EVENT_CREATE", copy.deepcopy(event), Intent.GUILD_SCHEDULED_EVENTS)
        return Reply(body=self._event_body(event, req))

    async def get_event(self, req: ApiRequest) -> Reply:
        guild = self._event_guild(req)
        return Reply(body=self._event_body(self._event(req, guild), req))

    async def edit_event(self, req: ApiRequest) -> Reply:
        guild = self._event_guild(req)
        event = self._event(req, guild)
        self._require_events(guild, event)
        if event.get("status") in (EVENT_COMPLETED, EVENT_CANCELED):
            # "Once status is set to COMPLETED or CANCELED, the status can no longer be updated"
            raise v.finished_event()
        payload = req.body()
        channel_types = {c.id: c.type for c in guild.channels.values()}
        merged = v.validate_scheduled_event(payload, existing=event, channel_types=channel_types, now=self.world.now())
        allowed = (
            "channel_id",
            "entity_metadata",
            "name",
            "privacy_level",
            "scheduled_start_time",
            "scheduled_end_time",
            "description",
            "entity_type",
            "status",
            "recurrence_rule",
        )
        for key in allowed:
            if key in payload:
                event[key] = merged[key]
        if event.get("entity_type") == 3:
            event["channel_id"] = None
        self._normalise_event_fields(event)
        self.world.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", copy.deepcopy(event), Intent.GUILD_SCHEDULED_EVENTS)
        return Reply(body=self._event_body(event, req))

    async def delete_event(self, req: ApiRequest) -> Reply:
        guild = self._event_guild(req)
        event = self._event(req, guild)
        self._require_events(guild, event)
        del guild.scheduled_events[int(event["id"])]
        self.world.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event, Intent.GUILD_SCHEDULED_EVENTS)
        return Reply(status=204)

    async def list_event_users(self, req: ApiRequest) -> Reply:
        guild = self._event_guild(req)
        self._event(req, guild)
        return Reply(body=[])

    # -- interactions -----------------------------------------------------------------------

    _ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {  # noqa: RUF012
        1: frozenset({1}),
        2: frozenset({4, 5, 9}),
        3: frozenset({4, 5, 6, 7, 9}),
        4: frozenset({8}),
        5: frozenset({4, 5, 6, 7}),
    }

    def interaction_metadata(self, interaction: FakeInteraction, *, followup_of: int | None = None) -> JSON:
        user = self.world.users[interaction.user_id]
        owners = {"0": str(interaction.guild_id) if interaction.guild_id is not None else "0"}
        data: JSON = {
            "id": str(interaction.id),
            "type": interaction.type,
            "user": user.to_dict(),
            "authorizing_integration_owners": owners,
        }
        if interaction.name is not None and interaction.type == 2:
            data["name"] = interaction.name
        if interaction.type == 3 and interaction.source_message_id is not None:
            data["interacted_message_id"] = str(interaction.source_message_id)
        if interaction.type == 5 and interaction.parent is not None:
            data["triggering_interaction_metadata"] = self.interaction_metadata(interaction.parent)
        if followup_of is not None:
            data["original_response_message_id"] = str(followup_of)
        return data

    def _interaction_message(
        self,
        interaction: FakeInteraction,
        payload: JSON,
        files: list[UploadedFile],
        *,
        followup: bool,
        loading: bool = False,
    ) -> FakeMessage:
        channel = self.world.channels[interaction.channel_id]
        user = self.world.users[interaction.user_id]
        legacy: JSON = {
            "id": str(interaction.id),
            "type": interaction.type,
            "name": interaction.name or "",
            "user": user.to_dict(),
        }
        message = self._new_message(
            channel,
            payload,
            files,
            allow_empty=loading,
            webhook_id=self.world.application_id,
            application_id=self.world.application_id,
            interaction_id=interaction.id,
            interaction_metadata=self.interaction_metadata(
                interaction, followup_of=interaction.original_message_id if followup else None
            ),
            interaction_legacy=legacy,
            type=20 if interaction.type == 2 else 0,
        )
        if loading:
            message.flags |= MessageFlag.LOADING
        self.world.store_message(message)
        return message

    async def interaction_callback(self, req: ApiRequest) -> Reply:
        try:
            interaction = self.world.interactions.get(int(req.params["webhook_id"]))
        except ValueError:
            interaction = None
        if interaction is None or interaction.token != req.params["webhook_token"]:
            raise v.unknown_interaction()
        if interaction.response_type is not None:
            raise v.already_acknowledged()
        if time.monotonic() - interaction.created > self.interaction_deadline:
            raise v.unknown_interaction()
        body = req.body()
        response_type = body.get("type")
        data = body.get("data") or {}
        allowed = self._ALLOWED_CALLBACKS.get(interaction.type, frozenset())
        if response_type in (6, 7) and interaction.source_message_id is None:
            allowed = allowed - {6, 7}
        if response_type not in allowed:
            errors = v.FormErrors()
            errors.add(["type"], "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type")
            errors.raise_if_any()
        resource: JSON | None = None
        if response_type == 4:
            message = self._interaction_message(interaction, data, req.files, followup=False)
            interaction.original_message_id = message.id
            resource = {"type": 4, "message": self.world.message_dict(message)}
        elif response_type == 5:
            flags = (data.get("flags") or 0) & MessageFlag.EPHEMERAL
            message = self._interaction_message(interaction, {"flags": flags}, [], followup=False, loading=True)
            interaction.original_message_id = message.id
            resource = {"type": 5, "message": self.world.message_dict(message)}
        elif response_type == 6:
            interaction.original_message_id = interaction.source_message_id
        elif response_type == 7:
            assert interaction.source_message_id is not None
            message = self.world.messages[interaction.source_message_id]
            if message.deleted:
                raise v.unknown_message()
            self.apply_edit(message, data, req.files)
            interaction.original_message_id = message.id
            resource = {"type": 7, "message": self.world.message_dict(message)}
        elif response_type == 8:
            choices = data.get("choices") or []
            errors = v.FormErrors()
            errors.max_length(["data", "choices"], choices, 25)
            for i, choice in enumerate(choices):
                errors.length_between(["data", "choices", i, "name"], choice.get("name"), 1, 100)
            errors.raise_if_any()
            interaction.choices = list(choices)
        elif response_type == 9:
            errors = v.FormErrors()
            errors.length_between(["data", "custom_id"], data.get("custom_id"), 1, 100)
            errors.length_between(["data", "title"], data.get("title"), 1, 45)
            components = data.get("components") or []
            if not 1 <= len(components) <= 5:
                errors.add(["data", "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
            errors.raise_if_any()
            interaction.modal = data
        interaction.response_type = response_type
        interaction.response_body = body
        interaction.touch()
        if not _truthy(req.query.get("with_response")):
            return Reply(status=204)
        original = self.world.messages.get(interaction.original_message_id or 0)
        info: JSON = {
            "id": str(interaction.id),
            "type": interaction.type,
            "response_message_loading": response_type == 5,
            "response_message_ephemeral": bool(original is not None and original.ephemeral and response_type in (4, 5)),
        }
        if original is not None and response_type in (4, 5, 7):
            info["response_message_id"] = str(original.id)
        reply: JSON = {"interaction": info}
        if resource is not None:
            reply["resource"] = resource
        return Reply(body=reply)

    def _webhook_interaction(self, req: ApiRequest) -> FakeInteraction:
        if req.params.get("webhook_id") != str(self.world.application_id):
            raise v.unknown_webhook()
        interaction = self.world.interactions_by_token.get(req.params.get("webhook_token", ""))
        if interaction is None or time.monotonic() - interaction.created > self.token_lifetime:
            raise v.ApiError(401, 50027, "Invalid Webhook Token")
        if interaction.response_type is None:
            raise v.unknown_webhook()
        return interaction

    def _webhook_message(self, req: ApiRequest, interaction: FakeInteraction) -> FakeMessage:
        raw = req.params["message_id"]
        if raw == "@original":
            message_id = interaction.original_message_id
        else:
            try:
                message_id = int(raw)
            except ValueError:
                raise v.unknown_message() from None
            if message_id != interaction.original_message_id and message_id not in interaction.followup_ids:
                raise v.unknown_message()
        message = self.world.messages.get(message_id or 0)
        if message is None or message.deleted:
            raise v.unknown_message()
        return message

    async def execute_webhook(self, req: ApiRequest) -> Reply:
        interaction = self._webhook_interaction(req)
        message = self._interaction_message(interaction, req.body(), req.files, followup=True)
        interaction.followup_ids.append(message.id)
        interaction.completed = True
        interaction.touch()
        if _truthy(req.query.get("wait")):
            return Reply(body=self.world.message_dict(message))
        return Reply(status=204)

    async def get_webhook_message(self, req: ApiRequest) -> Reply:
        interaction = self._webhook_interaction(req)
        return Reply(body=self.world.message_dict(self._webhook_message(req, interaction)))

    async def edit_webhook_message(self, req: ApiRequest) -> Reply:
        interaction = self._webhook_interaction(req)
        message = self._webhook_message(req, interaction)
        self.apply_edit(message, req.body(), req.files)
        if message.id == interaction.original_message_id:
            interaction.completed = True
        interaction.touch()
        return Reply(body=self.world.message_dict(message))

    async def delete_webhook_message(self, req: ApiRequest) -> Reply:
        interaction = self._webhook_interaction(req)
        message = self._webhook_message(req, interaction)
        self.world.mark_deleted(message)
        if message.id == interaction.original_message_id:
            interaction.completed = True
        interaction.touch()
        return Reply(status=204)


__all__ = ["ROUTES", "ApiRequest", "RecordedRequest", "Reply", "RestApi", "RouteDef", "json_response"]
