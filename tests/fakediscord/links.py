"""Finding Discord message links that would not open, in everything the emulator holds.

A message link is ``https://discord.com/channels/<guild id>/<channel id>[/<message id>]`` for a server
channel or thread, and ``https://discord.com/channels/@me/<channel id>[/<message id>]`` for a DM. A
link built without the server id (discord.py's ``jump_url`` of a message fetched through
``get_partial_messageable(channel_id)`` without ``guild_id``) says ``@me`` and does not open for a
server message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .state import FakeChannel, FakeMessage, World

MESSAGE_LINK_RE = re.compile(
    r"https?://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/channels/(@me|\d+)/(\d+)(?:/(\d+))?",
    re.IGNORECASE,
)


def iter_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string inside a JSON-like value, with a dotted path to it."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from iter_strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from iter_strings(item, f"{path}[{i}]")


def judge_link(world: World, first: str, channel_id: str, message_id: str | None) -> str | None:
    """Why the link ``/channels/<first>/<channel_id>[/<message_id>]`` is broken, or None if it is
    fine or cannot be judged (a channel the emulator does not know)."""
    channel = world.channels.get(int(channel_id))
    if channel is None:
        return None
    where = _channel_label(world, channel)
    if channel.guild_id is None:
        if first != "@me":
            return f"channel {channel_id} is {where}: a DM link needs @me, not {first}"
    elif first.lower() == "@me":
        return f"channel {channel_id} is {where}: the link needs the server id {channel.guild_id}, not @me"
    elif first != str(channel.guild_id):
        return f"{first} is not the server of channel {channel_id} ({where})"
    if message_id is not None:
        message = world.messages.get(int(message_id))
        if message is not None and message.channel_id != channel.id:
            return f"message {message_id} is in channel {message.channel_id}, not in channel {channel_id}"
    return None


def _channel_label(world: World, channel: FakeChannel) -> str:
    if channel.guild_id is None:
        user = world.users.get(channel.recipient_id or 0)
        return f"the DM with {user.name if user else channel.recipient_id}"
    guild = world.guilds.get(channel.guild_id)
    kind = "thread" if channel.is_thread else "channel"
    return f"{kind} #{channel.name} in server {guild.name if guild else channel.guild_id!r} ({channel.guild_id})"


def _message_label(world: World, message: FakeMessage) -> str:
    channel = world.channels.get(message.channel_id)
    where = _channel_label(world, channel) if channel is not None else f"channel {message.channel_id}"
    author = world.users.get(message.author_id)
    label = f"message {message.id} in {where} by {author.name if author else message.author_id}"
    if message.interaction_id is not None:
        interaction = world.interactions.get(message.interaction_id)
        if interaction is not None and interaction.name:
            label += f" (interaction reply to /{interaction.name})"
        else:
            label += " (interaction reply)"
    flags = [name for name, on in (("ephemeral", message.ephemeral), ("deleted", message.deleted)) if on]
    if flags:
        label += " [" + ", ".join(flags) + "]"
    return label


def _message_texts(message: FakeMessage) -> Iterator[tuple[str, str]]:
    if message.content:
        yield "content", message.content
    yield from iter_strings(message.embeds, "embeds")
    yield from iter_strings(message.components, "components")
    if message.poll is not None:
        yield from iter_strings(message.poll, "poll")
    for i, edit in enumerate(message.edits):
        yield from iter_strings(edit, f"edit #{i + 1}")


def find_broken_message_links(world: World) -> list[str]:
    """Every broken message link in messages (any channel, thread or DM, ephemeral and deleted
    ones too, current state and every edit) and in modal/autocomplete interaction responses."""
    found: list[str] = []
    seen: set[tuple[str, str]] = set()

    def scan(owner: str, label: str, texts: Iterator[tuple[str, str]]) -> None:
        for path, text in texts:
            for match in MESSAGE_LINK_RE.finditer(text):
                link = match.group(0)
                if (owner, link) in seen:
                    continue
                reason = judge_link(world, match.group(1), match.group(2), match.group(3))
                if reason is not None:
                    seen.add((owner, link))
                    found.append(f"{label}, {path}: {link} — {reason}")

    for message in world.messages.values():
        scan(f"message:{message.id}", _message_label(world, message), _message_texts(message))
    for interaction in world.interactions.values():
        if interaction.response_type in (8, 9) and interaction.response_body is not None:
            label = (
                f"interaction {interaction.id} (/{interaction.name or '?'}) response type {interaction.response_type}"
            )
            scan(f"interaction:{interaction.id}", label, iter_strings(interaction.response_body, "data"))
    return found


__all__ = ["MESSAGE_LINK_RE", "find_broken_message_links", "iter_strings", "judge_link"]
