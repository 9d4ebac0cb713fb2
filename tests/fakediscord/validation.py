"""Discord-style request validation and the JSON error format (code 50035 "Invalid Form Body")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .state import DISCORD_LOCALES, JSON, THREAD_ARCHIVE_DURATIONS, parse_iso


class ApiError(Exception):
    """An error response: ``{"message": ..., "code": ..., "errors": ...}`` with an HTTP status."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSON:
        data: JSON = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


# Common errors ------------------------------------------------------------------------------


def unknown_channel() -> ApiError:
    return ApiError(404, 10003, "Unknown Channel")


def unknown_message() -> ApiError:
    return ApiError(404, 10008, "Unknown Message")


def unknown_member() -> ApiError:
    return ApiError(404, 10007, "Unknown Member")


def unknown_user() -> ApiError:
    return ApiError(404, 10013, "Unknown User")


def unknown_guild() -> ApiError:
    return ApiError(404, 10004, "Unknown Guild")


def unknown_role() -> ApiError:
    return ApiError(404, 10011, "Unknown Role")


def unknown_emoji() -> ApiError:
    return ApiError(400, 10014, "Unknown Emoji")


def unknown_command() -> ApiError:
    return ApiError(404, 10063, "Unknown application command")


def unknown_interaction() -> ApiError:
    return ApiError(404, 10062, "Unknown interaction")


def unknown_webhook() -> ApiError:
    return ApiError(404, 10015, "Unknown Webhook")


def unknown_event() -> ApiError:
    return ApiError(404, 10070, "Unknown Guild Scheduled Event")


def finished_event() -> ApiError:
    """Modifying a COMPLETED or CANCELED guild scheduled event (JSON error code 180000)."""
    return ApiError(400, 180000, "Cannot update a finished event")


def missing_access() -> ApiError:
    return ApiError(403, 50001, "Missing Access")


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


def cannot_dm() -> ApiError:
    return ApiError(403, 50007, "Cannot send messages to this user")


def empty_message() -> ApiError:
    return ApiError(400, 50006, "Cannot send an empty message")


def already_acknowledged() -> ApiError:
    return ApiError(400, 40060, "Interaction has already been acknowledged.")


def wrong_channel_type() -> ApiError:
    return ApiError(400, 50024, "Cannot execute action on this channel type")


def thread_archived() -> ApiError:
    return ApiError(400, 50083, "Thread is archived")


def thread_already_created() -> ApiError:
    return ApiError(400, 160004, "A thread has already been created for this message")


def thread_locked() -> ApiError:
    return ApiError(400, 160005, "Thread is locked")


class FormErrors:
    """Collects nested field errors the way Discord reports them."""

    def __init__(self) -> None:
        self.tree: JSON = {}

    def add(self, path: Sequence[str | int], code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_length(self, path: Sequence[str | int], value: Any, limit: int) -> None:
        if isinstance(value, str | list) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def length_between(self, path: Sequence[str | int], value: Any, low: int, high: int) -> None:
        if not isinstance(value, str):
            self.add(path, "BASE_TYPE_REQUIRED" if value is None else "STRING_TYPE_CONVERT", "Must be a string.")
        elif not low <= len(value) <= high:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def raise_if_any(self) -> None:
        if self.tree:
            raise ApiError(400, 50035, "Invalid Form Body", self.tree)


# Threads ------------------------------------------------------------------------------------


def validate_thread_payload(payload: JSON, *, creating: bool) -> None:
    """Start Thread (``creating``) or Modify Channel for a thread: name 1–100, auto_archive_duration
    60/1440/4320/10080, rate_limit_per_user 0–21600 (or null), booleans for archived/locked/invitable."""
    errors = FormErrors()
    if creating or "name" in payload:
        errors.length_between(["name"], payload.get("name"), 1, 100)
    duration = payload.get("auto_archive_duration")
    if duration is not None and (isinstance(duration, bool) or duration not in THREAD_ARCHIVE_DURATIONS):
        errors.add(
            ["auto_archive_duration"],
            "BASE_TYPE_CHOICES",
            f"Value must be one of {{{', '.join(str(d) for d in THREAD_ARCHIVE_DURATIONS)}}}.",
        )
    slowmode = payload.get("rate_limit_per_user")
    if slowmode is not None and (
        isinstance(slowmode, bool) or not isinstance(slowmode, int) or not 0 <= slowmode <= 21600
    ):
        errors.add(["rate_limit_per_user"], "NUMBER_TYPE_MAX", "int value should be between 0 and 21600.")
    for key in ("archived", "locked", "invitable"):
        if key in payload and not isinstance(payload[key], bool):
            errors.add([key], "BOOLEAN_TYPE_CONVERT", "Must be either true or false.")
    errors.raise_if_any()


# Messages -----------------------------------------------------------------------------------

EMBED_TOTAL_LIMIT = 6000


def _embed_text_length(embed: JSON) -> int:
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    for f in embed.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def validate_embeds(errors: FormErrors, embeds: Any, base: Sequence[str | int] = ("embeds",)) -> None:
    if embeds is None:
        return
    if not isinstance(embeds, list):
        errors.add(base, "LIST_TYPE_CONVERT", "Must be an array.")
        return
    if len(embeds) > 10:
        errors.add(base, "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        path = [*base, i]
        if not isinstance(embed, dict):
            errors.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        errors.max_length([*path, "title"], embed.get("title"), 256)
        errors.max_length([*path, "description"], embed.get("description"), 4096)
        fields = embed.get("fields") or []
        errors.max_length([*path, "fields"], fields, 25)
        for j, f in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                value = f.get(key)
                if value is None or value == "":
                    errors.add([*path, "fields", j, key], "BASE_TYPE_REQUIRED", "This field is required")
                else:
                    errors.max_length([*path, "fields", j, key], value, limit)
        errors.max_length([*path, "footer", "text"], (embed.get("footer") or {}).get("text"), 2048)
        errors.max_length([*path, "author", "name"], (embed.get("author") or {}).get("name"), 256)
        total += _embed_text_length(embed)
    if total > EMBED_TOTAL_LIMIT:
        errors.add(base, "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_LIMIT}")


def _walk_components(errors: FormErrors, components: list[Any], path: list[str | int], depth: int) -> None:
    for i, comp in enumerate(components):
        here = [*path, i]
        if not isinstance(comp, dict) or "type" not in comp:
            errors.add(here, "COMPONENT_TYPE_INVALID", "Component has an invalid type")
            continue
        ctype = comp["type"]
        custom_id = comp.get("custom_id")
        if custom_id is not None:
            errors.max_length([*here, "custom_id"], custom_id, 100)
        if ctype == 1:
            children = comp.get("components") or []
            if not children:
                errors.add([*here, "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
            errors.max_length([*here, "components"], children, 5)
            _walk_components(errors, children, [*here, "components"], depth + 1)
        elif ctype == 2:
            errors.max_length([*here, "label"], comp.get("label"), 80)
            if comp.get("style") == 5:
                if not comp.get("url"):
                    errors.add([*here, "url"], "BASE_TYPE_REQUIRED", "This field is required")
            elif comp.get("style") != 6 and not custom_id:
                errors.add([*here, "custom_id"], "BASE_TYPE_REQUIRED", "This field is required")
        elif ctype in (3, 5, 6, 7, 8):
            if not custom_id:
                errors.add([*here, "custom_id"], "BASE_TYPE_REQUIRED", "This field is required")
            if ctype == 3:
                options = comp.get("options") or []
                if not 1 <= len(options) <= 25:
                    errors.add([*here, "options"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
                for j, opt in enumerate(options):
                    errors.max_length([*here, "options", j, "label"], opt.get("label"), 100)
                    errors.max_length([*here, "options", j, "value"], opt.get("value"), 100)
        elif "components" in comp and isinstance(comp["components"], list):
            _walk_components(errors, comp["components"], [*here, "components"], depth + 1)


def validate_components(errors: FormErrors, components: Any, flags: int) -> None:
    if components is None:
        return
    if not isinstance(components, list):
        errors.add(["components"], "LIST_TYPE_CONVERT", "Must be an array.")
        return
    if not flags & (1 << 15):  # classic components: at most 5 action rows
        errors.max_length(["components"], components, 5)
    _walk_components(errors, components, ["components"], 0)


def validate_poll(errors: FormErrors, poll: Any) -> None:
    if poll is None:
        return
    if not isinstance(poll, dict):
        errors.add(["poll"], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    question = (poll.get("question") or {}).get("text")
    errors.length_between(["poll", "question", "text"], question, 1, 300)
    answers = poll.get("answers") or []
    if not 1 <= len(answers) <= 10:
        errors.add(["poll", "answers"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 10 in length.")
    for i, answer in enumerate(answers):
        errors.length_between(
            ["poll", "answers", i, "poll_media", "text"], (answer.get("poll_media") or {}).get("text"), 1, 55
        )
    duration = poll.get("duration", 24)
    if not isinstance(duration, int | float) or not 1 <= duration <= 768:
        errors.add(["poll", "duration"], "NUMBER_TYPE_MAX", "int value should be between 1 and 768.")


def validate_message_payload(payload: JSON) -> None:
    """Field limits for message create/edit payloads (content 2000, embed limits, components)."""
    errors = FormErrors()
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        errors.add(["content"], "STRING_TYPE_CONVERT", "Must be a string.")
    else:
        errors.max_length(["content"], content, 2000)
    validate_embeds(errors, payload.get("embeds"))
    flags = payload.get("flags") or 0
    validate_components(errors, payload.get("components"), flags if isinstance(flags, int) else 0)
    validate_poll(errors, payload.get("poll"))
    nonce = payload.get("nonce")
    if nonce is not None and len(str(nonce)) > 25:
        errors.add(["nonce"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    errors.raise_if_any()


# Application commands -----------------------------------------------------------------------

_OPTION_TYPES = range(1, 12)


def _valid_command_name(name: Any, *, chat_input: bool) -> str | None:
    """Return an error message for an invalid name, or None."""
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return "Must be between 1 and 32 in length."
    if chat_input:
        if any(not (ch.isalnum() or ch in "-_'") for ch in name):
            return "Command name is invalid"
        if name != name.lower():
            return "Command name is invalid"
    return None


def _check_localizations(
    errors: FormErrors, path: list[str | int], value: Any, *, names: bool, chat_input: bool
) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        errors.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    for locale, text in value.items():
        if locale not in DISCORD_LOCALES:
            errors.add([*path, locale], "ENUM_TYPE_COERCE", f'Value "{locale}" is not a valid enum value.')
            continue
        if names:
            problem = _valid_command_name(text, chat_input=chat_input)
            if problem:
                errors.add([*path, locale], "APPLICATION_COMMAND_INVALID_NAME", problem)
        else:
            errors.length_between([*path, locale], text, 1, 100)


def _validate_options(errors: FormErrors, options: Any, path: list[str | int], *, level: int) -> None:
    if options is None:
        return
    if not isinstance(options, list):
        errors.add(path, "LIST_TYPE_CONVERT", "Must be an array.")
        return
    errors.max_length(path, options, 25)
    seen: set[str] = set()
    kinds = {o.get("type") for o in options if isinstance(o, dict)}
    if kinds & {1, 2} and kinds - {1, 2}:
        errors.add(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Sub-commands cannot be mixed with other options")
    optional_seen = False
    for i, opt in enumerate(options):
        here = [*path, i]
        if not isinstance(opt, dict):
            errors.add(here, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        otype = opt.get("type")
        if otype not in _OPTION_TYPES:
            errors.add([*here, "type"], "ENUM_TYPE_COERCE", f'Value "{otype}" is not a valid enum value.')
            continue
        problem = _valid_command_name(opt.get("name"), chat_input=True)
        if problem:
            errors.add([*here, "name"], "APPLICATION_COMMAND_INVALID_NAME", problem)
        elif opt["name"] in seen:
            errors.add([*here, "name"], "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option name already exists")
        else:
            seen.add(opt["name"])
        errors.length_between([*here, "description"], opt.get("description"), 1, 100)
        _check_localizations(
            errors, [*here, "name_localizations"], opt.get("name_localizations"), names=True, chat_input=True
        )
        _check_localizations(
            errors,
            [*here, "description_localizations"],
            opt.get("description_localizations"),
            names=False,
            chat_input=True,
        )
        if otype in (1, 2):
            if otype == 2 and level >= 1:
                errors.add(
                    [*here, "type"], "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Sub-command groups cannot be nested"
                )
            if otype == 2 and any(isinstance(o, dict) and o.get("type") != 1 for o in opt.get("options") or []):
                errors.add(
                    [*here, "options"],
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Groups may only contain sub-commands",
                )
            if otype == 1 and any(isinstance(o, dict) and o.get("type") in (1, 2) for o in opt.get("options") or []):
                errors.add(
                    [*here, "options"], "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Sub-commands cannot be nested"
                )
            _validate_options(errors, opt.get("options"), [*here, "options"], level=level + 1)
            continue
        if opt.get("required"):
            if optional_seen:
                errors.add(
                    [*here, "required"],
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        choices = opt.get("choices")
        if choices:
            if opt.get("autocomplete"):
                errors.add(
                    [*here, "autocomplete"],
                    "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                    "Autocomplete and choices are mutually exclusive",
                )
            errors.max_length([*here, "choices"], choices, 25)
            for j, choice in enumerate(choices):
                errors.length_between([*here, "choices", j, "name"], choice.get("name"), 1, 100)
                _check_localizations(
                    errors,
                    [*here, "choices", j, "name_localizations"],
                    choice.get("name_localizations"),
                    names=False,
                    chat_input=False,
                )
                if otype == 3:
                    errors.length_between([*here, "choices", j, "value"], choice.get("value"), 1, 100)


def validate_command(errors: FormErrors, command: Any, path: list[str | int]) -> None:
    if not isinstance(command, dict):
        errors.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    ctype = command.get("type", 1)
    chat_input = ctype == 1
    problem = _valid_command_name(command.get("name"), chat_input=chat_input)
    if problem:
        errors.add([*path, "name"], "APPLICATION_COMMAND_INVALID_NAME", problem)
    _check_localizations(
        errors, [*path, "name_localizations"], command.get("name_localizations"), names=True, chat_input=chat_input
    )
    if chat_input:
        errors.length_between([*path, "description"], command.get("description"), 1, 100)
        _check_localizations(
            errors,
            [*path, "description_localizations"],
            command.get("description_localizations"),
            names=False,
            chat_input=True,
        )
        _validate_options(errors, command.get("options"), [*path, "options"], level=0)
    elif command.get("description"):
        errors.add(
            [*path, "description"],
            "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
            "Context menu commands cannot have description",
        )


def validate_command_list(commands: Any) -> None:
    errors = FormErrors()
    if not isinstance(commands, list):
        errors.add([], "LIST_TYPE_CONVERT", "Must be an array.")
        errors.raise_if_any()
        return
    seen: set[tuple[int, str]] = set()
    for i, command in enumerate(commands):
        validate_command(errors, command, [i])
        if isinstance(command, dict):
            key = (command.get("type", 1), str(command.get("name")))
            if key in seen:
                errors.add(
                    [i, "name"],
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {key[1]}",
                )
            seen.add(key)
    if sum(1 for c in commands if isinstance(c, dict) and c.get("type", 1) == 1) > 100:
        errors.add([], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    errors.raise_if_any()


# Scheduled events ---------------------------------------------------------------------------


def _parse_time(errors: FormErrors, key: str, value: Any) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return parse_iso(str(value))
    except ValueError:
        errors.add([key], "DATE_TYPE_PARSE", f"Could not parse {value}. Should be ISO8601.")
        return None


def validate_scheduled_event(
    payload: JSON, *, existing: JSON | None, channel_types: dict[int, int], now: dt.datetime
) -> JSON:
    """Validate a create (``existing`` None) or modify payload; return the merged event fields."""
    errors = FormErrors()
    merged: JSON = dict(existing or {})
    merged.update(payload)
    if existing is None:
        for key in ("name", "privacy_level", "scheduled_start_time", "entity_type"):
            if payload.get(key) is None:
                errors.add([key], "BASE_TYPE_REQUIRED", "This field is required")
    if "name" in payload:
        errors.length_between(["name"], payload.get("name"), 1, 100)
    if payload.get("description") is not None:
        # "the description of the scheduled event (1-1000 characters)": "" is refused, null clears it
        errors.length_between(["description"], payload["description"], 1, 1000)
    if "privacy_level" in payload and payload["privacy_level"] != 2:
        errors.add(
            ["privacy_level"], "ENUM_TYPE_COERCE", f'Value "{payload["privacy_level"]}" is not a valid enum value.'
        )
    entity_type = merged.get("entity_type")
    if entity_type not in (1, 2, 3):
        errors.add(["entity_type"], "ENUM_TYPE_COERCE", f'Value "{entity_type}" is not a valid enum value.')
    start = _parse_time(errors, "scheduled_start_time", merged.get("scheduled_start_time"))
    end = _parse_time(errors, "scheduled_end_time", merged.get("scheduled_end_time"))
    if "scheduled_start_time" in payload and start is not None and merged.get("status", 1) == 1 and start < now:
        errors.add(
            ["scheduled_start_time"], "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST", "Cannot schedule event in the past."
        )
    if start is not None and end is not None and end <= start:
        errors.add(
            ["scheduled_end_time"],
            "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
            "Cannot schedule event to end before starting.",
        )
    if entity_type == 3:
        location = (merged.get("entity_metadata") or {}).get("location")
        if not location:
            errors.add(["entity_metadata", "location"], "BASE_TYPE_REQUIRED", "This field is required")
        else:
            errors.max_length(["entity_metadata", "location"], location, 100)
        if merged.get("scheduled_end_time") is None:
            errors.add(["scheduled_end_time"], "BASE_TYPE_REQUIRED", "This field is required")
        if merged.get("channel_id") is not None:
            errors.add(
                ["channel_id"], "GUILD_SCHEDULED_EVENT_CHANNEL_NOT_ALLOWED", "Channel must be null for external events."
            )
    elif entity_type in (1, 2):
        channel_id = merged.get("channel_id")
        wanted = 13 if entity_type == 1 else 2
        if channel_id is None:
            errors.add(["channel_id"], "BASE_TYPE_REQUIRED", "This field is required")
        elif channel_types.get(int(channel_id)) != wanted:
            errors.add(
                ["channel_id"], "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL", "Channel type does not match the entity type."
            )
    if existing is not None and "status" in payload and payload["status"] != existing.get("status"):
        allowed = {1: {2, 4}, 2: {3}}.get(int(existing.get("status", 1)), set())
        if payload["status"] not in allowed:
            errors.add(["status"], "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION", "Invalid status transition.")
    errors.raise_if_any()
    return merged
