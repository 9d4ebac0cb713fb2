"""Things users do: react, run slash commands, click buttons, pick from selects, submit modals, join.

Every action checks what the Discord client would allow (membership, channel permissions, synced
commands, option types/choices, required modal fields) and raises ``AssertionError`` with an
explanation if the action is impossible, instead of sending something Discord never would.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from typing import Any

from .gateway import GatewayHub
from .rest import RestApi
from .state import (
    ALL_PERMISSIONS,
    JSON,
    THREAD_ARCHIVE_DURATIONS,
    ChannelType,
    FakeChannel,
    FakeGuild,
    FakeInteraction,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
    MessageFlag,
    Perm,
    Ref,
    StoredAttachment,
    World,
    emoji_key,
    ref_id,
)

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
_SELECT_TYPES = (3, 5, 6, 7, 8)


class Settled:
    """Returned by actions that take effect immediately; awaiting it waits for the gateway flush."""

    def __init__(self, hub: GatewayHub) -> None:
        self._hub = hub

    def __await__(self) -> Generator[Any, None, None]:
        return self._hub.flush().__await__()


class InteractionResult:
    """What the bot did with one interaction. Properties read live state, so they stay current."""

    def __init__(self, world: World, interaction: FakeInteraction) -> None:
        self._world = world
        self.interaction = interaction

    @property
    def response_type(self) -> int | None:
        """The callback type the bot sent (4, 5, 6, 7, 8 or 9), or None if it never answered."""
        return self.interaction.response_type

    @property
    def message(self) -> FakeMessage | None:
        """The response message (@original) in its current state: the reply for types 4/5, the
        component message for 6/7; None for modals and autocomplete."""
        message_id = self.interaction.original_message_id
        return self._world.messages.get(message_id) if message_id is not None else None

    @property
    def content(self) -> str:
        message = self.message
        return message.content if message is not None else ""

    @property
    def embeds(self) -> list[JSON]:
        message = self.message
        return message.embeds if message is not None else []

    @property
    def components(self) -> list[JSON]:
        message = self.message
        return message.components if message is not None else []

    @property
    def attachments(self) -> list[StoredAttachment]:
        message = self.message
        return message.attachments if message is not None else []

    @property
    def ephemeral(self) -> bool:
        message = self.message
        return bool(message is not None and message.flags & MessageFlag.EPHEMERAL)

    @property
    def deleted(self) -> bool:
        message = self.message
        return bool(message is not None and message.deleted)

    @property
    def followups(self) -> list[FakeMessage]:
        return [self._world.messages[m] for m in self.interaction.followup_ids]

    @property
    def messages(self) -> list[FakeMessage]:
        """The response message (if any) followed by every follow-up."""
        first = self.message
        return ([first] if first is not None else []) + self.followups

    @property
    def modal(self) -> JSON | None:
        return self.interaction.modal

    @property
    def choices(self) -> list[JSON] | None:
        return self.interaction.choices

    def __repr__(self) -> str:
        return (
            f"<InteractionResult type={self.response_type} content={self.content[:60]!r} "
            f"ephemeral={self.ephemeral} followups={len(self.interaction.followup_ids)}>"
        )


def iter_components(components: Iterable[JSON]) -> Generator[JSON, None, None]:
    """Every component in a message/modal tree (rows, sections, containers, labels)."""
    for component in components:
        yield component
        children = component.get("components")
        if isinstance(children, list):
            yield from iter_components(children)
        for key in ("component", "accessory"):
            child = component.get(key)
            if isinstance(child, dict):
                yield from iter_components([child])


def _describe_components(components: Iterable[JSON]) -> str:
    found = [
        f"{c.get('custom_id')!r} (type {c.get('type')})" for c in iter_components(components) if c.get("custom_id")
    ]
    return ", ".join(found) or "none"


class UserActions:
    """Mixin for :class:`~tests.fakediscord.FakeDiscord`: user-driven events."""

    world: World
    hub: GatewayHub
    rest: RestApi

    # -- checks -----------------------------------------------------------------------------

    def _user_channel_permissions(self, user: FakeUser, channel: FakeChannel) -> int:
        if channel.is_dm:
            if channel.recipient_id != user.id:
                raise AssertionError(f"{user!r} cannot see the DM channel {channel.id} of another user")
            return self.world.permissions(user.id, channel)
        guild = self.world.guild_of(channel)
        assert guild is not None
        if user.id not in guild.members:
            raise AssertionError(f"{user!r} is not a member of {guild!r}; add them with guild.add_member()")
        perms = guild.permissions_for(user.id, channel)
        if not perms & Perm.VIEW_CHANNEL:
            raise AssertionError(f"{user!r} cannot see #{channel.name} (no VIEW_CHANNEL)")
        return perms

    def _require_connected(self) -> None:
        if not self.hub.live_sessions():
            raise AssertionError("the bot has no gateway session: start the client (run_client) first")

    # -- reactions --------------------------------------------------------------------------

    def _reactable(self, user: Ref, message: Ref) -> tuple[FakeUser, FakeMessage, int]:
        user_obj = self.world.user(user)
        msg = self.world.message(message)
        if msg.deleted:
            raise AssertionError(f"{msg!r} was deleted")
        if msg.ephemeral:
            raise AssertionError("ephemeral messages cannot be reacted to")
        channel = self.world.channel(msg.channel_id)
        perms = self._user_channel_permissions(user_obj, channel)
        if not perms & Perm.READ_MESSAGE_HISTORY:
            raise AssertionError(f"{user_obj!r} cannot read the history of {channel!r}")
        if channel.archived:
            raise AssertionError(f"{channel!r} is an archived thread; reactions need it unarchived")
        return user_obj, msg, perms

    async def react(self, user: Ref, message: Ref, emoji: Any) -> None:
        """``user`` adds ``emoji`` to ``message`` (MESSAGE_REACTION_ADD, with member in guilds)."""
        user_obj, msg, perms = self._reactable(user, message)
        key = emoji_key(emoji)
        if key not in msg.reactions:
            if not perms & Perm.ADD_REACTIONS:
                raise AssertionError(f"{user_obj!r} lacks ADD_REACTIONS and {key} is not on the message yet")
            if len(msg.reactions) >= 20:
                raise AssertionError("a message can have at most 20 different reactions")
        self.world.add_reaction(msg, user_obj.id, key)
        await self.hub.flush()

    async def unreact(self, user: Ref, message: Ref, emoji: Any) -> None:
        """``user`` removes their ``emoji`` reaction (MESSAGE_REACTION_REMOVE)."""
        user_obj, msg, _ = self._reactable(user, message)
        self.world.remove_reaction(msg, user_obj.id, emoji_key(emoji))
        await self.hub.flush()

    # -- messages ---------------------------------------------------------------------------

    async def post_message(
        self,
        user: Ref,
        channel: Ref,
        content: str = "",
        *,
        embeds: Sequence[JSON] | None = None,
        reply_to: Ref | None = None,
    ) -> FakeMessage:
        """``user`` writes a message in ``channel`` (MESSAGE_CREATE; content needs MESSAGE_CONTENT).

        ``channel`` may be a thread: that needs SEND_MESSAGES_IN_THREADS (MANAGE_THREADS if it is locked),
        unarchives an archived thread (THREAD_UPDATE) and joins the user to it (THREAD_MEMBERS_UPDATE,
        which only bots with GUILD_MEMBERS receive) before the MESSAGE_CREATE."""
        user_obj = self.world.user(user)
        ch = self.world.channel(channel)
        perms = self._user_channel_permissions(user_obj, ch)
        if not perms & self.world.send_permission(ch):
            needed = "SEND_MESSAGES_IN_THREADS" if ch.is_thread else "SEND_MESSAGES"
            raise AssertionError(f"{user_obj!r} cannot send messages in {ch!r} (no {needed})")
        if ch.locked and not perms & Perm.MANAGE_THREADS:
            raise AssertionError(f"{ch!r} is locked; only members with MANAGE_THREADS can post")
        reference: JSON | None = None
        message_type = 0
        if reply_to is not None:
            target = self.world.message(reply_to)
            reference = {"type": 0, "message_id": str(target.id), "channel_id": str(target.channel_id)}
            if target.guild_id is not None:
                reference["guild_id"] = str(target.guild_id)
            message_type = 19
        message = FakeMessage(
            id=self.world.new_id(),
            channel_id=ch.id,
            guild_id=ch.guild_id,
            author_id=user_obj.id,
            content=content,
            embeds=list(embeds or []),
            message_reference=reference,
            type=message_type,
        )
        if ch.thread is not None:
            if ch.thread.archived:
                self.world.update_thread(ch, archived=False)
            self.world.add_thread_member(ch, user_obj.id)
        self.world.store_message(message)
        await self.hub.flush()
        return message

    async def start_thread(
        self,
        user: Ref,
        where: Ref,
        name: str,
        *,
        private: bool = False,
        auto_archive_duration: int = 1440,
    ) -> FakeChannel:
        """``user`` starts a thread: from a message (``where`` is a message; public thread with the
        message's id) or without one (``where`` is a text/announcement channel; ``private`` picks type 12).
        Works before the bot connects too (the thread is then in GUILD_CREATE)."""
        user_obj = self.world.user(user)
        starter: FakeMessage | None = None
        if isinstance(where, FakeMessage):
            starter = where
        elif isinstance(where, FakeChannel):
            parent = where
        else:
            target_id = ref_id(where)
            found = self.world.channels.get(target_id)
            if found is not None and not found.is_thread:
                parent = found
            else:
                starter = self.world.message(target_id)
        if starter is not None:
            if starter.deleted or starter.ephemeral:
                raise AssertionError(f"cannot start a thread from {starter!r}")
            if starter.thread_id is not None:
                raise AssertionError(f"{starter!r} already has a thread")
            if private:
                raise AssertionError("a thread started from a message is always public")
            parent = self.world.channel(starter.channel_id)
        if parent.type not in ChannelType.THREAD_PARENTS:
            raise AssertionError(f"threads can only be started in text or announcement channels, not {parent!r}")
        if auto_archive_duration not in THREAD_ARCHIVE_DURATIONS:
            raise AssertionError(f"auto_archive_duration must be one of {THREAD_ARCHIVE_DURATIONS}")
        if not 1 <= len(name) <= 100:
            raise AssertionError("a thread name must be 1..100 characters long")
        perms = self._user_channel_permissions(user_obj, parent)
        if private:
            if parent.type == ChannelType.GUILD_ANNOUNCEMENT:
                raise AssertionError("announcement channels have no private threads")
            needed, thread_type = Perm.CREATE_PRIVATE_THREADS, ChannelType.PRIVATE_THREAD
        elif parent.type == ChannelType.GUILD_ANNOUNCEMENT:
            needed, thread_type = Perm.CREATE_PUBLIC_THREADS, ChannelType.ANNOUNCEMENT_THREAD
        else:
            needed, thread_type = Perm.CREATE_PUBLIC_THREADS, ChannelType.PUBLIC_THREAD
        if not perms & needed:
            raise AssertionError(f"{user_obj!r} may not create {'private' if private else 'public'} threads here")
        thread = self.world.create_thread(
            parent,
            name=name,
            owner_id=user_obj.id,
            thread_type=thread_type,
            starter=starter,
            auto_archive_duration=auto_archive_duration,
        )
        await self.hub.flush()
        return thread

    async def post_dm(self, user: Ref, content: str) -> FakeMessage:
        """``user`` writes to the bot in their DM channel."""
        user_obj = self.world.user(user)
        channel = self.world.dm_channel_for(user_obj)
        assert channel is not None
        return await self.post_message(user_obj, channel, content)

    # -- members ----------------------------------------------------------------------------

    async def member_join(self, guild: Ref, user: Ref, *, roles: Iterable[FakeRole | int] | None = None) -> FakeMember:
        """GUILD_MEMBER_ADD (delivered only to sessions with the GUILD_MEMBERS intent)."""
        guild_obj = self.world.guild(guild)
        member = guild_obj.add_member(self.world.user(user), roles=roles)
        await self.hub.flush()
        return member

    async def member_leave(self, guild: Ref, user: Ref) -> None:
        """GUILD_MEMBER_REMOVE (delivered only to sessions with the GUILD_MEMBERS intent)."""
        guild_obj = self.world.guild(guild)
        guild_obj.remove_member(user)
        await self.hub.flush()

    # -- interactions -----------------------------------------------------------------------

    def _new_interaction(
        self,
        kind: int,
        user: FakeUser,
        channel: FakeChannel,
        data: JSON,
        *,
        locale: str | None,
        name: str | None = None,
        message: FakeMessage | None = None,
        parent: FakeInteraction | None = None,
    ) -> FakeInteraction:
        self._require_connected()
        world = self.world
        guild = world.guild_of(channel)
        interaction_id = world.new_id()
        token = world.new_interaction_token()
        locale = locale or user.locale
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(world.application_id),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "channel_id": str(channel.id),
            "channel": world.channel_dict(channel, permissions_for=user.id),
            "locale": locale,
            "app_permissions": str(world.permissions(world.bot_user.id, channel)),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id) if guild is not None else "0"},
            "context": 0 if guild is not None else 1,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if guild is not None:
            member = guild.members[user.id]
            payload["guild_id"] = str(guild.id)
            payload["guild"] = {"id": str(guild.id), "locale": guild.preferred_locale, "features": []}
            payload["guild_locale"] = guild.preferred_locale
            payload["member"] = {**member.to_dict(), "permissions": str(guild.permissions_for(user.id, channel))}
        else:
            payload["user"] = user.to_dict()
        if message is not None:
            payload["message"] = world.message_dict(message, gateway=True)
        interaction = FakeInteraction(
            id=interaction_id,
            token=token,
            type=kind,
            user_id=user.id,
            channel_id=channel.id,
            guild_id=guild.id if guild is not None else None,
            locale=locale,
            payload=payload,
            name=name,
            source_message_id=message.id if message is not None else None,
            parent=parent,
        )
        world.register_interaction(interaction)
        self.hub.dispatch("INTERACTION_CREATE", payload, None)
        return interaction

    async def _wait_interaction(
        self, interaction: FakeInteraction, condition: Callable[[], bool], deadline: float
    ) -> bool:
        loop = asyncio.get_running_loop()
        while not condition():
            interaction.updated.clear()
            if condition():
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(interaction.updated.wait(), remaining)
            except TimeoutError:
                return condition()
        return True

    def _no_response_message(self, interaction: FakeInteraction, what: str, timeout: float) -> str:
        related = [
            r
            for r in self.rest.requests
            if r.time >= interaction.created and (r.status >= 400 or str(interaction.id) in r.path)
        ]
        lines = [f"the bot did not respond to {what} within {timeout}s"]
        if time.monotonic() - interaction.created > self.rest.interaction_deadline:
            lines.append(
                f"(Discord only accepts the first response within {self.rest.interaction_deadline}s; "
                "defer() slow handlers)"
            )
        if related:
            lines.append("requests since the interaction: " + ", ".join(repr(r) for r in related[-10:]))
        if self.rest.internal_errors:
            lines.append("fakediscord internal errors: " + self.rest.internal_errors[-1])
        return "\n".join(lines)

    async def _finish(
        self,
        interaction: FakeInteraction,
        *,
        timeout: float,  # noqa: ASYNC109
        require_response: bool,
        what: str,
    ) -> InteractionResult:
        await self.hub.flush()
        deadline = asyncio.get_running_loop().time() + timeout
        answered = await self._wait_interaction(interaction, lambda: interaction.response_type is not None, deadline)
        if not answered:
            if require_response:
                raise AssertionError(self._no_response_message(interaction, what, timeout))
            return InteractionResult(self.world, interaction)
        if interaction.response_type in (5, 6):
            await self._wait_interaction(interaction, lambda: interaction.completed, deadline)
        return InteractionResult(self.world, interaction)

    # -- slash commands ---------------------------------------------------------------------

    def _find_command(self, guild: FakeGuild | None, path: str) -> tuple[JSON, list[JSON], JSON]:
        parts = path.strip().lstrip("/").split()
        if not 1 <= len(parts) <= 3:
            raise AssertionError(f"command path must have 1 to 3 words, got {path!r}")
        pools: list[tuple[str, dict[int, JSON]]] = []
        if guild is not None:
            pools.append((f"guild {guild.name}", self.world.guild_commands.get(guild.id, {})))
        pools.append(("global", self.world.global_commands))

        def matches(entry: JSON, name: str) -> bool:
            return entry.get("name") == name or name in (entry.get("name_localizations") or {}).values()

        root = None
        for _, pool in pools:
            root = next((c for c in pool.values() if c.get("type", 1) == 1 and matches(c, parts[0])), None)
            if root is not None:
                break
        if root is None:
            synced = {label: sorted(c["name"] for c in pool.values()) for label, pool in pools}
            raise AssertionError(f"/{parts[0]} is not a synced command here; synced commands: {synced}")
        chain: list[JSON] = []
        node = root
        for part in parts[1:]:
            sub = next(
                (o for o in node.get("options") or [] if o.get("type") in (1, 2) and matches(o, part)),
                None,
            )
            if sub is None:
                subs = [o["name"] for o in node.get("options") or [] if o.get("type") in (1, 2)]
                raise AssertionError(f"/{path}: {part!r} is not a sub-command of {node['name']!r} (have {subs})")
            chain.append(sub)
            node = sub
        if any(o.get("type") in (1, 2) for o in node.get("options") or []):
            subs = [o["name"] for o in node.get("options") or []]
            raise AssertionError(f"/{path} is a group; pick one of its sub-commands {subs}")
        return root, chain, node

    def _check_command_access(self, root: JSON, user: FakeUser, channel: FakeChannel, guild: FakeGuild | None) -> None:
        perms = self._user_channel_permissions(user, channel)
        if guild is None:
            contexts = root.get("contexts")
            if (
                root.get("guild_id") is not None
                or (contexts is not None and 1 not in contexts)
                or root.get("dm_permission") is False
            ):
                raise AssertionError(f"/{root['name']} is not available in DMs")
            return
        contexts = root.get("contexts")
        if contexts is not None and 0 not in contexts:
            raise AssertionError(f"/{root['name']} is not available in guilds")
        if not perms & Perm.USE_APPLICATION_COMMANDS:
            raise AssertionError(f"{user!r} lacks USE_APPLICATION_COMMANDS in {channel!r}")
        required = root.get("default_member_permissions")
        if required is not None:
            needed = int(required)
            have = guild.base_permissions(user.id)
            if have != ALL_PERMISSIONS and (needed == 0 or have & needed != needed):
                raise AssertionError(
                    f"{user!r} cannot see /{root['name']}: default_member_permissions={needed} not satisfied"
                )

    def _resolve_user(self, value: Any, guild: FakeGuild | None, resolved: JSON) -> str:
        user = self.world.user(value)
        resolved.setdefault("users", {})[str(user.id)] = user.to_dict()
        member = guild.members.get(user.id) if guild is not None else None
        if member is not None:
            data = member.to_dict(with_user=False)
            data["permissions"] = str(guild.base_permissions(user.id)) if guild is not None else "0"
            resolved.setdefault("members", {})[str(user.id)] = data
        return str(user.id)

    def _resolve_role(self, value: Any, guild: FakeGuild | None, resolved: JSON) -> str:
        if guild is None:
            raise AssertionError("role options need a guild")
        role_id = ref_id(value)
        role = guild.roles.get(role_id)
        if role is None:
            raise AssertionError(f"role {role_id} is not in {guild!r}")
        resolved.setdefault("roles", {})[str(role.id)] = role.to_dict()
        return str(role.id)

    def _resolve_channel(self, value: Any, user: FakeUser, option: JSON, resolved: JSON) -> str:
        channel = self.world.channel(value)
        allowed = option.get("channel_types")
        if allowed and channel.type not in allowed:
            raise AssertionError(f"option {option['name']!r} accepts channel types {allowed}, not {channel.type}")
        data = self.world.channel_dict(channel, permissions_for=user.id)
        resolved.setdefault("channels", {})[str(channel.id)] = data
        return str(channel.id)

    def _coerce(self, option: JSON, value: Any, user: FakeUser, guild: FakeGuild | None, resolved: JSON) -> Any:
        kind = option.get("type")
        name = option.get("name")
        choices = option.get("choices")
        if choices:
            values = [c.get("value") for c in choices]
            if value not in values:
                by_name = {c.get("name"): c.get("value") for c in choices}
                if value in by_name:
                    value = by_name[value]
                else:
                    raise AssertionError(f"option {name!r} must be one of {values} (or a choice name), got {value!r}")
        if kind == 3:
            if not isinstance(value, str):
                raise AssertionError(f"option {name!r} is a string option, got {value!r}")
            low, high = option.get("min_length", 0), option.get("max_length", 6000)
            if not low <= len(value) <= high:
                raise AssertionError(f"option {name!r} must be {low}..{high} characters long")
            return value
        if kind in (4, 10):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise AssertionError(f"option {name!r} is numeric, got {value!r}")
            if kind == 4 and not float(value).is_integer():
                raise AssertionError(f"option {name!r} is an integer option, got {value!r}")
            low, high = option.get("min_value"), option.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise AssertionError(f"option {name!r} must be between {low} and {high}, got {value!r}")
            return int(value) if kind == 4 else value
        if kind == 5:
            if not isinstance(value, bool):
                raise AssertionError(f"option {name!r} is a boolean option, got {value!r}")
            return value
        if kind == 6:
            return self._resolve_user(value, guild, resolved)
        if kind == 7:
            return self._resolve_channel(value, user, option, resolved)
        if kind == 8:
            return self._resolve_role(value, guild, resolved)
        if kind == 9:
            if isinstance(value, FakeRole) or (guild is not None and ref_id(value) in guild.roles):
                return self._resolve_role(value, guild, resolved)
            return self._resolve_user(value, guild, resolved)
        if kind == 11:
            return self._resolve_attachment(value, resolved)
        raise AssertionError(f"option {name!r} has unsupported type {kind}")

    def _resolve_attachment(self, value: Any, resolved: JSON) -> str:
        if isinstance(value, tuple) and len(value) == 2:
            filename, content = value
            content_type = None
        elif isinstance(value, Mapping):
            filename, content, content_type = value["filename"], value["content"], value.get("content_type")
        else:
            raise AssertionError("attachment options take (filename, bytes) or {'filename', 'content'}")
        attachment = self.world.make_attachment(str(filename), bytes(content), content_type=content_type)
        url = f"{self.world.http_base}/attachments/0/{attachment['id']}/{attachment['filename']}"
        resolved.setdefault("attachments", {})[str(attachment["id"])] = {
            "id": str(attachment["id"]),
            "filename": attachment["filename"],
            "size": attachment["size"],
            "url": url,
            "proxy_url": url,
            "content_type": attachment["content_type"],
        }
        return str(attachment["id"])

    def _build_options(
        self,
        leaf: JSON,
        options: Mapping[str, Any],
        user: FakeUser,
        guild: FakeGuild | None,
        *,
        focused: str | None = None,
        path: str,
    ) -> tuple[list[JSON], JSON]:
        schema = {o["name"]: o for o in leaf.get("options") or []}
        resolved: JSON = {}
        unknown = [k for k in options if k not in schema]
        if unknown:
            raise AssertionError(f"/{path} has no option(s) {unknown}; its options are {sorted(schema)}")
        if focused is None:
            missing = [n for n, o in schema.items() if o.get("required") and n not in options]
            if missing:
                raise AssertionError(f"/{path} requires option(s) {missing}")
        elif focused not in schema:
            raise AssertionError(f"/{path} has no option {focused!r} to focus")
        built: list[JSON] = []
        for name, option in schema.items():
            if name == focused:
                built.append(
                    {"name": name, "type": option["type"], "value": str(options.get(name, "")), "focused": True}
                )
                continue
            if name not in options:
                continue
            value = self._coerce(option, options[name], user, guild, resolved)
            built.append({"name": name, "type": option["type"], "value": value})
        return built, resolved

    def _command_interaction(
        self,
        kind: int,
        user: Ref,
        channel: Ref,
        command: str,
        options: Mapping[str, Any] | None,
        *,
        locale: str | None,
        focused: str | None = None,
    ) -> FakeInteraction:
        user_obj = self.world.user(user)
        ch = self.world.channel(channel)
        guild = self.world.guild_of(ch)
        root, chain, leaf = self._find_command(guild, command)
        self._check_command_access(root, user_obj, ch, guild)
        path = " ".join([root["name"], *(c["name"] for c in chain)])
        built, resolved = self._build_options(leaf, options or {}, user_obj, guild, focused=focused, path=path)
        tree = built
        for sub in reversed(chain):
            tree = [{"name": sub["name"], "type": sub["type"], "options": tree}]
        data: JSON = {"id": root["id"], "name": root["name"], "type": 1, "options": tree}
        if root.get("guild_id") is not None:
            data["guild_id"] = root["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return self._new_interaction(kind, user_obj, ch, data, locale=locale, name=path)

    async def run_command(
        self,
        user: Ref,
        channel: Ref,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        locale: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        require_response: bool = True,
    ) -> InteractionResult:
        """Invoke a synced slash command ("ping", "meeting next", "a b c") as ``user``.

        Waits for the bot's first response; after a deferral (5/6) also waits until @original is
        edited or a follow-up arrives (up to ``timeout`` from the start). Raises AssertionError if
        the command is not synced, an option is unknown/invalid, or the bot never responds."""
        interaction = self._command_interaction(2, user, channel, command, options, locale=locale)
        return await self._finish(
            interaction, timeout=timeout, require_response=require_response, what=f"/{interaction.name}"
        )

    async def autocomplete(
        self,
        user: Ref,
        channel: Ref,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        focused: str,
        locale: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[JSON]:
        """An APPLICATION_COMMAND_AUTOCOMPLETE interaction; returns the choices the bot offered."""
        interaction = self._command_interaction(4, user, channel, command, options, locale=locale, focused=focused)
        result = await self._finish(
            interaction, timeout=timeout, require_response=True, what=f"autocomplete of /{interaction.name}"
        )
        return list(result.choices or [])

    # -- components -------------------------------------------------------------------------

    def _component_target(
        self, user: Ref, message: Ref, custom_id: str
    ) -> tuple[FakeUser, FakeMessage, FakeChannel, JSON]:
        user_obj = self.world.user(user)
        msg = self.world.message(message)
        if msg.deleted:
            raise AssertionError(f"{msg!r} was deleted")
        channel = self.world.channel(msg.channel_id)
        self._user_channel_permissions(user_obj, channel)
        if msg.ephemeral and msg.interaction_id is not None:
            owner = self.world.interactions.get(msg.interaction_id)
            if owner is not None and owner.user_id != user_obj.id:
                raise AssertionError("only the user who triggered an ephemeral message can use its components")
        component = next((c for c in iter_components(msg.components) if c.get("custom_id") == custom_id), None)
        if component is None:
            raise AssertionError(
                f"{msg!r} has no component {custom_id!r}; it has {_describe_components(msg.components)}"
            )
        if component.get("disabled"):
            raise AssertionError(f"component {custom_id!r} is disabled")
        return user_obj, msg, channel, component

    async def click(
        self,
        user: Ref,
        message: Ref,
        custom_id: str,
        *,
        locale: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        require_response: bool = True,
    ) -> InteractionResult:
        """Press the button ``custom_id`` on ``message`` (MESSAGE_COMPONENT, component_type 2)."""
        user_obj, msg, channel, component = self._component_target(user, message, custom_id)
        if component.get("type") != 2:
            raise AssertionError(f"component {custom_id!r} is type {component.get('type')}, not a button; use select()")
        if component.get("style") in (5, 6):
            raise AssertionError(f"button {custom_id!r} is a link/premium button and sends no interaction")
        data: JSON = {"custom_id": custom_id, "component_type": 2}
        if "id" in component:
            data["id"] = component["id"]
        interaction = self._new_interaction(3, user_obj, channel, data, locale=locale, message=msg)
        return await self._finish(
            interaction, timeout=timeout, require_response=require_response, what=f"button {custom_id!r}"
        )

    async def select(
        self,
        user: Ref,
        message: Ref,
        custom_id: str,
        values: Sequence[Any],
        *,
        locale: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        require_response: bool = True,
    ) -> InteractionResult:
        """Pick ``values`` in the select menu ``custom_id`` (string selects: option values;
        user/role/channel/mentionable selects: entities or ids)."""
        user_obj, msg, channel, component = self._component_target(user, message, custom_id)
        kind = component.get("type")
        if kind not in _SELECT_TYPES:
            raise AssertionError(f"component {custom_id!r} is type {kind}, not a select menu; use click()")
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not low <= len(values) <= high:
            raise AssertionError(f"select {custom_id!r} takes {low}..{high} values, got {len(values)}")
        data: JSON = {"custom_id": custom_id, "component_type": kind}
        if "id" in component:
            data["id"] = component["id"]
        guild = self.world.guild_of(channel)
        if kind == 3:
            allowed = [o.get("value") for o in component.get("options") or []]
            bad = [value for value in values if value not in allowed]
            if bad:
                raise AssertionError(f"select {custom_id!r} has no option(s) {bad}; options are {allowed}")
            data["values"] = list(values)
        else:
            resolved: JSON = {}
            ids: list[str] = []
            for value in values:
                if kind == 5:
                    ids.append(self._resolve_user(value, guild, resolved))
                elif kind == 6:
                    ids.append(self._resolve_role(value, guild, resolved))
                elif kind == 8:
                    ids.append(self._resolve_channel(value, user_obj, component, resolved))
                elif isinstance(value, FakeRole) or (guild is not None and ref_id(value) in guild.roles):
                    ids.append(self._resolve_role(value, guild, resolved))
                else:
                    ids.append(self._resolve_user(value, guild, resolved))
            data["values"] = ids
            data["resolved"] = resolved
        interaction = self._new_interaction(3, user_obj, channel, data, locale=locale, message=msg)
        return await self._finish(
            interaction, timeout=timeout, require_response=require_response, what=f"select {custom_id!r}"
        )

    # -- modals -----------------------------------------------------------------------------

    def _modal_item(self, item: JSON, values: Mapping[str, Any], used: set[str]) -> JSON:
        kind = item.get("type")
        custom_id = item.get("custom_id")
        out: JSON = {"type": kind}
        if "id" in item:
            out["id"] = item["id"]
        if custom_id is None:
            return out
        out["custom_id"] = custom_id
        if kind == 4:
            value = values.get(custom_id, item.get("value") or "")
            if not isinstance(value, str):
                raise AssertionError(f"text input {custom_id!r} takes a string, got {value!r}")
            if custom_id in values:
                used.add(custom_id)
            if item.get("required", True) and value == "":
                raise AssertionError(f"text input {custom_id!r} is required")
            if value:
                low, high = item.get("min_length", 0), item.get("max_length", 4000)
                if not low <= len(value) <= high:
                    raise AssertionError(f"text input {custom_id!r} must be {low}..{high} characters long")
            out["value"] = value
        elif kind in _SELECT_TYPES:
            chosen = values.get(custom_id, [])
            if custom_id in values:
                used.add(custom_id)
            if isinstance(chosen, str):
                chosen = [chosen]
            out["values"] = [str(ref_id(c)) if kind != 3 else c for c in chosen]
            if item.get("required", True) and not out["values"]:
                raise AssertionError(f"select {custom_id!r} in the modal is required")
        return out

    def _modal_components(self, components: Sequence[JSON], values: Mapping[str, Any], used: set[str]) -> list[JSON]:
        result: list[JSON] = []
        for component in components:
            kind = component.get("type")
            if kind == 1:
                row: JSON = {
                    "type": 1,
                    "components": [self._modal_item(c, values, used) for c in component.get("components") or []],
                }
                if "id" in component:
                    row["id"] = component["id"]
                result.append(row)
            elif kind == 18 and isinstance(component.get("component"), dict):
                label: JSON = {"type": 18, "component": self._modal_item(component["component"], values, used)}
                if "id" in component:
                    label["id"] = component["id"]
                result.append(label)
            else:
                result.append(self._modal_item(component, values, used))
        return result

    async def submit_modal(
        self,
        user: Ref,
        opened_by: InteractionResult,
        values: Mapping[str, Any],
        *,
        locale: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        require_response: bool = True,
    ) -> InteractionResult:
        """Fill in and submit the modal that ``opened_by`` (a type-9 response) showed."""
        modal = opened_by.modal
        if modal is None:
            raise AssertionError(f"{opened_by!r} did not open a modal")
        parent = opened_by.interaction
        user_obj = self.world.user(user)
        if user_obj.id != parent.user_id:
            raise AssertionError("only the user who opened a modal can submit it")
        used: set[str] = set()
        components = self._modal_components(modal.get("components") or [], values, used)
        unknown = sorted(set(values) - used)
        if unknown:
            raise AssertionError(
                f"modal {modal.get('custom_id')!r} has no field(s) {unknown}; fields are "
                f"{_describe_components(modal.get('components') or [])}"
            )
        if parent.modal_closed:
            raise AssertionError(
                f"modal {modal.get('custom_id')!r} was closed when the bot answered its submit; open it again"
            )
        data: JSON = {"custom_id": modal["custom_id"], "components": components}
        channel = self.world.channel(parent.channel_id)
        message = self.world.messages.get(parent.source_message_id or 0)
        interaction = self._new_interaction(
            5, user_obj, channel, data, locale=locale or parent.locale, message=message, parent=parent
        )
        result = await self._finish(
            interaction, timeout=timeout, require_response=require_response, what=f"modal {modal['custom_id']!r}"
        )
        # Discord closes a modal once its submit is answered; unanswered, it stays open with an error to try again.
        parent.modal_closed = result.response_type is not None
        return result
