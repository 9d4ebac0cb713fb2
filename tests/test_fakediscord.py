"""Tests of the fakediscord emulator, driven by a bare, real, unmodified discord.py client."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.clock import FakeClock
from tests.fakediscord import (
    DEFAULT_BOT_PERMISSIONS,
    BucketLimit,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeRole,
    FakeUser,
    Perm,
    RateLimitConfig,
    run_client,
)


@pytest.fixture
async def emu() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as emulator:
        yield emulator


@dataclass
class Scene:
    guild: FakeGuild
    channel: FakeChannel
    organiser: FakeRole
    mette: FakeUser
    jens: FakeUser


def build_scene(emu: FakeDiscord) -> Scene:
    guild = emu.add_guild("MikroVirk", locale="da")
    channel = guild.add_text_channel("announcements", topic="Monthly meetings")
    organiser = guild.add_role("Organiser", permissions=Perm.MANAGE_EVENTS)
    mette = emu.add_user("Mette", locale="da")
    jens = emu.add_user("Jens", locale="en-US")
    guild.add_member(mette, roles=[organiser], joined_at=dt.datetime(2024, 1, 2, tzinfo=dt.UTC))
    guild.add_member(jens)
    return Scene(guild=guild, channel=channel, organiser=organiser, mette=mette, jens=jens)


def make_bot(*, members: bool = False, message_content: bool = False) -> commands.Bot:
    intents = discord.Intents.default()
    intents.members = members
    intents.message_content = message_content
    return commands.Bot(command_prefix="!", intents=intents, guild_ready_timeout=0.05, help_command=None)


def text_channel(bot: discord.Client, channel: FakeChannel) -> discord.TextChannel:
    found = bot.get_channel(channel.id)
    assert isinstance(found, discord.TextChannel)
    return found


# --------------------------------------------------------------------------------------------
# login, READY, GUILD_CREATE
# --------------------------------------------------------------------------------------------


async def test_login_ready_and_guild_create(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot(members=True)
    async with run_client(emu, bot):
        session = await emu.wait_until_connected()
        assert session.intents == bot.intents.value
        assert bot.user is not None and bot.user.id == emu.bot_user.id
        assert bot.application_id == emu.application_id
        guild = bot.get_guild(scene.guild.id)
        assert guild is not None
        assert guild.name == "MikroVirk"
        assert guild.preferred_locale == discord.Locale.danish
        assert [c.name for c in guild.text_channels] == ["announcements"]
        assert text_channel(bot, scene.channel).topic == "Monthly meetings"
        assert {r.name for r in guild.roles} == {"@everyone", "MikroVirk", "Organiser"}
        assert guild.default_role.id == guild.id
        assert guild.chunked and guild.member_count == 3
        mette = guild.get_member(scene.mette.id)
        assert mette is not None and mette.name == "Mette"
        assert [r.name for r in mette.roles] == ["@everyone", "Organiser"]
        assert mette.joined_at == dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
        me = guild.me
        assert me.guild_permissions.manage_messages and not me.guild_permissions.administrator
    assert emu.identify_count == 1
    assert emu.count("GET", r"^/users/@me$") == 1
    assert emu.count("GET", r"^/oauth2/applications/@me$") == 1
    emu.assert_healthy()


async def test_without_members_intent_only_the_bot_member_is_sent(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    async with run_client(emu, bot):
        guild = bot.get_guild(scene.guild.id)
        assert guild is not None
        assert guild.member_count == 3
        assert [m.id for m in guild.members] == [emu.bot_user.id]
        member = await guild.fetch_member(scene.jens.id)
        assert member.name == "Jens"


async def test_bad_token_raises_login_failure(emu: FakeDiscord) -> None:
    build_scene(emu)
    bot = make_bot()
    with pytest.raises(discord.LoginFailure):
        async with run_client(emu, bot, token="not-the-token"):
            pass
    assert emu.requests[-1].status == 401
    assert emu.identify_count == 0


async def test_large_guild_is_chunked_with_request_guild_members(emu: FakeDiscord) -> None:
    guild = emu.add_guild("Big")
    for i in range(300):
        guild.add_member(emu.add_user(f"user{i:03d}"))
    bot = make_bot(members=True)
    async with run_client(emu, bot):
        found = bot.get_guild(guild.id)
        assert found is not None and found.large
        await emu.wait_for(lambda: found.chunked)
        assert len(found.members) == 301
        assert any(p.get("op") == 8 for p in emu.gateway_received)
        queried = await found.query_members("user29", limit=5)
        assert sorted(m.name for m in queried) == [f"user29{i}" for i in range(5)]


# --------------------------------------------------------------------------------------------
# application commands
# --------------------------------------------------------------------------------------------


def add_commands(bot: commands.Bot, guild: FakeGuild) -> None:
    target = discord.Object(guild.id)

    @bot.tree.command(name="ping", description="Ping the bot", guild=target)
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"pong {interaction.locale.value}", ephemeral=True)

    meeting = app_commands.Group(name="meeting", description="Meetings")

    @meeting.command(name="next", description="The next meeting")
    @app_commands.describe(date="Date", count="How many")
    async def meeting_next(interaction: discord.Interaction, date: str, count: int = 1) -> None:
        guild_locale = interaction.guild_locale.value if interaction.guild_locale else None
        await interaction.response.send_message(f"next {date} x{count} ({interaction.locale.value}/{guild_locale})")

    @meeting.command(name="whois", description="Show a member")
    async def meeting_whois(interaction: discord.Interaction, member: discord.Member) -> None:
        roles = ",".join(r.name for r in member.roles[1:])
        await interaction.response.send_message(f"{member.display_name} [{roles}]")

    @meeting.command(name="edit", description="Edit a meeting")
    async def meeting_edit(interaction: discord.Interaction, meeting: str) -> None:
        await interaction.response.send_message(f"editing {meeting}")

    @meeting_edit.autocomplete("meeting")
    async def meeting_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = ["december", "january", "dec-party"]
        return [app_commands.Choice(name=n.title(), value=n) for n in names if n.startswith(current)]

    admin = app_commands.Group(name="admin", description="Admin")
    reminders = app_commands.Group(name="reminders", description="Reminders", parent=admin)

    @reminders.command(name="list", description="List reminders")
    async def reminders_list(interaction: discord.Interaction, verbose: bool = False) -> None:
        await interaction.response.send_message(f"reminders verbose={verbose}", ephemeral=True)

    bot.tree.add_command(meeting, guild=target)
    bot.tree.add_command(admin, guild=target)


async def test_sync_and_run_slash_commands(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    add_commands(bot, scene.guild)
    async with run_client(emu, bot):
        synced = await bot.tree.sync(guild=discord.Object(scene.guild.id))
        assert sorted(c.name for c in synced) == ["admin", "meeting", "ping"]
        assert all(c.id for c in synced)
        assert emu.command_sync_count == 1
        stored = {c["name"]: c for c in emu.synced_commands(scene.guild)}
        assert stored["meeting"]["guild_id"] == str(scene.guild.id)
        assert [o["name"] for o in stored["meeting"]["options"]] == ["next", "whois", "edit"]
        assert emu.synced_commands() == []

        res = await emu.run_command(scene.mette, scene.channel, "ping", locale="da")
        assert res.response_type == 4
        assert res.content == "pong da"
        assert res.ephemeral
        assert res.message is not None and res.message not in emu.channel_messages(scene.channel)

        res = await emu.run_command(scene.jens, scene.channel, "meeting next", options={"date": "1/12", "count": 3})
        assert res.content == "next 1/12 x3 (en-US/da)"
        assert not res.ephemeral
        assert emu.channel_messages(scene.channel) == [res.message]

        res = await emu.run_command(scene.jens, scene.channel, "meeting whois", options={"member": scene.mette})
        assert res.content == "Mette [Organiser]"

        res = await emu.run_command(scene.mette, scene.channel, "admin reminders list", options={"verbose": True})
        assert res.content == "reminders verbose=True"

        choices = await emu.autocomplete(
            scene.mette, scene.channel, "meeting edit", options={"meeting": "dec"}, focused="meeting", locale="da"
        )
        assert choices == [{"name": "December", "value": "december"}, {"name": "Dec-Party", "value": "dec-party"}]

        with pytest.raises(AssertionError, match="no option"):
            await emu.run_command(scene.mette, scene.channel, "meeting next", options={"when": "x"})
        with pytest.raises(AssertionError, match="requires option"):
            await emu.run_command(scene.mette, scene.channel, "meeting next")
        with pytest.raises(AssertionError, match="not a synced command"):
            await emu.run_command(scene.mette, scene.channel, "nope")
        with pytest.raises(AssertionError, match="is a group"):
            await emu.run_command(scene.mette, scene.channel, "meeting")
    emu.assert_healthy()


async def test_invalid_command_payload_is_rejected_like_discord(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    async with run_client(emu, bot):
        assert bot.application_id is not None
        bad = [{"name": "Meeting", "description": "x", "type": 1}]
        with pytest.raises(discord.HTTPException) as info:
            await bot.http.bulk_upsert_guild_commands(bot.application_id, scene.guild.id, payload=bad)
        assert info.value.status == 400 and info.value.code == 50035
        assert emu.command_sync_count == 0


async def test_deferred_response_followup_and_files(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    target = discord.Object(scene.guild.id)

    @bot.tree.command(name="report", description="Slow report", guild=target)
    async def report(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        calendar = discord.File(io.BytesIO(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), filename="meeting.ics")
        await interaction.followup.send("here you go", file=calendar)

    @bot.tree.command(name="slow", description="Slow edit", guild=target)
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        await asyncio.sleep(0.05)
        await interaction.edit_original_response(content="finished")

    @bot.tree.command(name="export", description="File reply", guild=target)
    async def export(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("export", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), "rsvp.csv"))

    async with run_client(emu, bot):
        await bot.tree.sync(guild=target)

        res = await emu.run_command(scene.mette, scene.channel, "report")
        assert res.response_type == 5
        assert len(res.followups) == 1
        followup = res.followups[0]
        assert followup.content == "here you go"
        assert followup.attachments[0]["filename"] == "meeting.ics"
        assert followup.attachments[0]["content"] == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
        assert followup.attachments[0]["content_type"] == "text/calendar"

        res = await emu.run_command(scene.mette, scene.channel, "slow")
        assert res.response_type == 5
        assert res.content == "finished"
        assert res.ephemeral
        assert res.message is not None and res.message.edit_count == 1

        res = await emu.run_command(scene.mette, scene.channel, "export")
        assert res.response_type == 4
        assert [(a["filename"], a["content"]) for a in res.attachments] == [("rsvp.csv", b"a,b\n1,2\n")]
        # the attachment URL is served by the emulator, so Attachment.read() works
        assert res.message is not None
        message = await text_channel(bot, scene.channel).fetch_message(res.message.id)
        assert await message.attachments[0].read() == b"a,b\n1,2\n"
    emu.assert_healthy()


async def test_slow_handler_without_defer_misses_the_deadline() -> None:
    async with FakeDiscord(interaction_deadline=0.2) as emu:
        scene = build_scene(emu)
        bot = make_bot()
        errors: list[BaseException] = []
        target = discord.Object(scene.guild.id)

        @bot.tree.command(name="sleepy", description="Too slow", guild=target)
        async def sleepy(interaction: discord.Interaction) -> None:
            await asyncio.sleep(0.3)
            try:
                await interaction.response.send_message("late")
            except discord.HTTPException as exc:
                errors.append(exc)

        async with run_client(emu, bot):
            await bot.tree.sync(guild=target)
            with pytest.raises(AssertionError, match="did not respond"):
                await emu.run_command(scene.mette, scene.channel, "sleepy", timeout=0.6)
            await emu.wait_for(lambda: errors)
        assert isinstance(errors[0], discord.NotFound) and errors[0].code == 10062


async def test_interaction_callback_and_webhook_rules(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    target = discord.Object(scene.guild.id)

    @bot.tree.command(name="hello", description="Say hello", guild=target)
    async def hello(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("hi")

    async with run_client(emu, bot):
        await bot.tree.sync(guild=target)
        res = await emu.run_command(scene.mette, scene.channel, "hello")
        interaction = res.interaction
        callback = f"{emu.api_base}/interactions/{interaction.id}/{interaction.token}/callback"
        webhook = f"{emu.api_base}/webhooks/{emu.application_id}/{interaction.token}"
        async with aiohttp.ClientSession() as http:
            async with http.post(callback, json={"type": 4, "data": {"content": "again"}}) as resp:
                assert resp.status == 400
                assert (await resp.json())["code"] == 40060
            wrong = f"{emu.api_base}/interactions/{interaction.id}/not-the-token/callback"
            async with http.post(wrong, json={"type": 4, "data": {"content": "x"}}) as resp:
                assert resp.status == 404
                assert (await resp.json())["code"] == 10062
            async with http.post(webhook, json={"content": "no wait"}) as resp:
                assert resp.status == 204
            form = aiohttp.FormData(quote_fields=False)
            form.add_field("payload_json", '{"content": "with file", "flags": 64}', content_type="application/json")
            form.add_field("files[0]", b"hello", filename="hello.txt")
            async with http.post(f"{webhook}?wait=true", data=form) as resp:
                assert resp.status == 200
                body = await resp.json()
                assert body["attachments"][0]["filename"] == "hello.txt"
                assert body["flags"] == 64
            async with http.get(f"{webhook}/messages/@original") as resp:
                assert (await resp.json())["content"] == "hi"
            async with http.patch(f"{webhook}/messages/@original", json={"content": "edited"}) as resp:
                assert resp.status == 200
            async with http.delete(f"{webhook}/messages/{body['id']}") as resp:
                assert resp.status == 204
            async with http.get(f"{webhook}/messages/{body['id']}") as resp:
                assert resp.status == 404
    assert res.content == "edited"
    assert [m.content for m in res.followups] == ["no wait", "with file"]
    assert res.followups[1].deleted and res.followups[1].attachments[0]["content"] == b"hello"
    assert [m.content for m in emu.channel_messages(scene.channel)] == ["edited", "no wait"]
    emu.assert_healthy()


# --------------------------------------------------------------------------------------------
# components and modals
# --------------------------------------------------------------------------------------------


class NoteModal(discord.ui.Modal, title="Add a note"):
    note: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(label="Note", custom_id="note", max_length=100)
    extra: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(label="Extra", custom_id="extra", required=False)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"noted: {self.note.value}|{self.extra.value}", ephemeral=True)


class RsvpView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.going: list[int] = []

    @discord.ui.button(label="Going", custom_id="rsvp:yes", style=discord.ButtonStyle.success)
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button[RsvpView]) -> None:
        self.going.append(interaction.user.id)
        await interaction.response.edit_message(content=f"{len(self.going)} going")

    @discord.ui.button(label="Note", custom_id="rsvp:note")
    async def add_note(self, interaction: discord.Interaction, button: discord.ui.Button[RsvpView]) -> None:
        await interaction.response.send_modal(NoteModal())

    @discord.ui.button(label="Later", custom_id="rsvp:later")
    async def later(self, interaction: discord.Interaction, button: discord.ui.Button[RsvpView]) -> None:
        await interaction.response.defer()
        assert interaction.message is not None
        await interaction.followup.send(f"ok {interaction.user.name}", ephemeral=True)

    @discord.ui.select(
        custom_id="rsvp:choice",
        options=[discord.SelectOption(label="Maybe", value="maybe"), discord.SelectOption(label="No", value="no")],
    )
    async def choice(self, interaction: discord.Interaction, select: discord.ui.Select[RsvpView]) -> None:
        await interaction.response.send_message(f"chose {select.values[0]}", ephemeral=True)


async def test_persistent_view_buttons_select_and_modal(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    view = RsvpView()
    async with run_client(emu, bot):
        bot.add_view(view)
        announcement = await text_channel(bot, scene.channel).send("December meeting", view=view)

        res = await emu.click(scene.mette, announcement.id, "rsvp:yes")
        assert res.response_type == 7
        assert res.message is not None and res.message.id == announcement.id
        assert res.content == "1 going"
        assert emu.get_message(announcement.id).edit_count == 1

        res = await emu.click(scene.jens, announcement.id, "rsvp:later", locale="en-GB")
        assert res.response_type == 6
        assert [m.content for m in res.followups] == ["ok Jens"]
        assert res.followups[0].ephemeral

        res = await emu.select(scene.jens, announcement.id, "rsvp:choice", values=["maybe"])
        assert (res.content, res.ephemeral) == ("chose maybe", True)

        opened = await emu.click(scene.mette, announcement.id, "rsvp:note")
        assert opened.response_type == 9
        assert opened.modal is not None and opened.modal["title"] == "Add a note"
        submitted = await emu.submit_modal(scene.mette, opened, {"note": "Looking forward"})
        assert submitted.content == "noted: Looking forward|"
        assert submitted.ephemeral

        with pytest.raises(AssertionError, match="required"):
            await emu.submit_modal(scene.mette, opened, {"extra": "only extra"})
        with pytest.raises(AssertionError, match="no field"):
            await emu.submit_modal(scene.mette, opened, {"note": "x", "bogus": "y"})
        with pytest.raises(AssertionError, match="closed when the bot answered"):
            await emu.submit_modal(scene.mette, opened, {"note": "Once more"})  # Discord closed it
        with pytest.raises(AssertionError, match="no component"):
            await emu.click(scene.mette, announcement.id, "rsvp:missing")
        with pytest.raises(AssertionError, match="no option"):
            await emu.select(scene.jens, announcement.id, "rsvp:choice", values=["yes"])
    assert view.going == [scene.mette.id]
    emu.assert_healthy()


async def test_button_in_a_dm(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    seen: list[tuple[int | None, str]] = []

    class Ack(discord.ui.View):
        @discord.ui.button(label="Got it", custom_id="dm:ack")
        async def ack(self, interaction: discord.Interaction, button: discord.ui.Button[Ack]) -> None:
            seen.append((interaction.guild_id, type(interaction.user).__name__))
            await interaction.response.send_message("thanks")

    async with run_client(emu, bot):
        user = await bot.fetch_user(scene.jens.id)
        dm = await user.send("Reminder: meeting tomorrow", view=Ack())
        res = await emu.click(scene.jens, dm.id, "dm:ack")
        assert res.content == "thanks"
        assert seen == [(None, "User")]
        assert [m.content for m in emu.dms_to(scene.jens)] == ["Reminder: meeting tomorrow", "thanks"]


class AskModal(discord.ui.Modal, title="Ask"):
    question: discord.ui.TextInput[AskModal] = discord.ui.TextInput(label="Question", custom_id="question")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"asked {self.question.value} in {interaction.guild_id}")


class PickView(discord.ui.View):
    @discord.ui.select(cls=discord.ui.UserSelect, custom_id="pick:who", max_values=2)
    async def who(self, interaction: discord.Interaction, select: discord.ui.UserSelect[PickView]) -> None:
        await interaction.response.send_message(",".join(sorted(u.name for u in select.values)))


async def test_global_commands_in_dms_permissions_and_late_changes(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    secret = scene.guild.add_text_channel("secret")
    scene.guild.set_permissions(secret, emu.bot_user, deny=Perm.VIEW_CHANNEL)
    bot = make_bot()
    created: list[str] = []
    joined: list[str] = []

    @bot.tree.command(name="ask", description="Ask a question")
    async def ask(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(AskModal())

    @bot.tree.command(name="settings", description="Admins only")
    @app_commands.default_permissions(manage_guild=True)
    async def settings(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("settings")

    @bot.tree.command(name="pick", description="Pick people")
    @app_commands.guild_only()
    async def pick(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pick", view=PickView())

    async def on_guild_channel_create(channel: discord.abc.GuildChannel) -> None:
        created.append(channel.name)

    async def on_guild_join(guild: discord.Guild) -> None:
        joined.append(guild.name)

    bot.add_listener(on_guild_channel_create)
    bot.add_listener(on_guild_join)
    async with run_client(emu, bot, fail_on_error_logs=True):
        await bot.tree.sync()
        assert {c["name"] for c in emu.synced_commands()} == {"ask", "settings", "pick"}

        dm = emu.get_channel((await (await bot.fetch_user(scene.jens.id)).create_dm()).id)
        opened = await emu.run_command(scene.jens, dm, "ask")
        answered = await emu.submit_modal(scene.jens, opened, {"question": "why"})
        assert answered.content == "asked why in None"
        with pytest.raises(AssertionError, match="not available in DMs"):
            await emu.run_command(scene.jens, dm, "pick")

        with pytest.raises(AssertionError, match="default_member_permissions"):
            await emu.run_command(scene.jens, scene.channel, "settings")
        boss = scene.guild.add_role("Boss", permissions=Perm.MANAGE_GUILD)
        scene.guild.set_member_roles(scene.jens, [boss])
        assert (await emu.run_command(scene.jens, scene.channel, "settings")).content == "settings"

        res = await emu.run_command(scene.jens, scene.channel, "pick")
        assert res.message is not None
        picked = await emu.select(scene.jens, res.message, "pick:who", [scene.mette, scene.jens])
        assert picked.content == "Jens,Mette"

        with pytest.raises(discord.Forbidden) as info:
            await bot.http.send_message(secret.id, params=discord.http.handle_message_parameters(content="x"))
        assert info.value.code == 50001

        guild = bot.get_guild(scene.guild.id)
        assert guild is not None
        role = guild.get_role(boss.id)
        assert role is not None
        member = await guild.fetch_member(scene.mette.id)
        await member.add_roles(role)
        assert boss.id in scene.guild.members[scene.mette.id].roles

        scene.guild.add_text_channel("late")
        emu.add_guild("Second")
        await emu.wait_for(lambda: created == ["late"] and joined == ["Second"])
        assert sorted(g.name for g in bot.guilds) == ["MikroVirk", "Second"]
    emu.assert_healthy()


# --------------------------------------------------------------------------------------------
# reactions
# --------------------------------------------------------------------------------------------


async def test_reactions_are_delivered_and_removable(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    added: list[tuple[int, str, bool]] = []
    removed: list[tuple[int, str]] = []

    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        added.append((payload.user_id, str(payload.emoji), payload.member is not None))

    async def on_raw_reaction_remove(payload: discord.RawReactionActionEvent) -> None:
        removed.append((payload.user_id, str(payload.emoji)))

    bot.add_listener(on_raw_reaction_add)
    bot.add_listener(on_raw_reaction_remove)
    async with run_client(emu, bot):
        message = await text_channel(bot, scene.channel).send("RSVP here")
        await message.add_reaction("✅")
        await emu.wait_for(lambda: (emu.bot_user.id, "✅", True) in added)

        await emu.react(scene.mette, message.id, "✅")
        await emu.wait_for(lambda: (scene.mette.id, "✅", True) in added)
        await emu.unreact(scene.mette, message.id, "✅")
        await emu.wait_for(lambda: (scene.mette.id, "✅") in removed)

        await emu.react(scene.jens, message.id, "❌")
        assert emu.get_message(message.id).reactions == {"✅": [emu.bot_user.id], "❌": [scene.jens.id]}
        await message.remove_reaction("❌", discord.Object(scene.jens.id))
        await emu.wait_for(lambda: (scene.jens.id, "❌") in removed)
        assert emu.get_message(message.id).reactions == {"✅": [emu.bot_user.id]}

        with pytest.raises(discord.HTTPException) as info:
            await message.add_reaction("notanemoji")
        assert info.value.code == 10014
    emu.assert_healthy()


async def test_removing_a_reaction_needs_manage_messages(emu: FakeDiscord) -> None:
    guild = emu.add_guild("Strict", bot_permissions=DEFAULT_BOT_PERMISSIONS & ~Perm.MANAGE_MESSAGES)
    channel = guild.add_text_channel("general")
    user = emu.add_user("Ole")
    guild.add_member(user)
    bot = make_bot()
    async with run_client(emu, bot):
        message = await text_channel(bot, channel).send("hi")
        await emu.react(user, message.id, "👍")
        with pytest.raises(discord.Forbidden) as info:
            await message.remove_reaction("👍", discord.Object(user.id))
        assert info.value.code == 50013
        await message.add_reaction("👍")
        assert bot.user is not None
        await message.remove_reaction("👍", bot.user)  # removing its own reaction needs no permission
        assert emu.get_message(message.id).reactions == {"👍": [user.id]}


async def test_reaction_users_are_paged_like_discord(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    voters = [emu.add_user(f"voter{i}") for i in range(150)]
    for voter in voters:
        scene.guild.add_member(voter)
    bot = make_bot()
    async with run_client(emu, bot):
        message = await text_channel(bot, scene.channel).send("Vote")
        for voter in reversed(voters):  # react in reverse id order: listing is by id anyway
            await emu.react(voter, message.id, "✅")
        fetched = await text_channel(bot, scene.channel).fetch_message(message.id)
        assert fetched.reactions[0].count == 150
        users = [u async for u in fetched.reactions[0].users()]
        assert sorted(u.id for u in users) == sorted(v.id for v in voters)

        first = await bot.http.get_reaction_users(scene.channel.id, message.id, "✅", 100)
        assert [int(u["id"]) for u in first] == sorted(v.id for v in voters)[:100]
        rest = await bot.http.get_reaction_users(scene.channel.id, message.id, "✅", 100, after=int(first[-1]["id"]))
        assert len(rest) == 50
        default = await bot.http.get_reaction_users(scene.channel.id, message.id, "✅", 25)
        assert len(default) == 25
        with pytest.raises(discord.HTTPException) as info:
            await bot.http.get_reaction_users(scene.channel.id, message.id, "✅", 101)
        assert info.value.code == 50035
        assert emu.get_message(message.id).reactions["✅"] == [v.id for v in reversed(voters)]


# --------------------------------------------------------------------------------------------
# messages and DMs
# --------------------------------------------------------------------------------------------


async def test_dm_refused_raises_forbidden_50007(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    shy = emu.add_user("Shy", accepts_dms=False)
    scene.guild.add_member(shy)
    bot = make_bot()
    async with run_client(emu, bot):
        user = await bot.fetch_user(shy.id)
        with pytest.raises(discord.Forbidden) as info:
            await user.send("Reminder")
        assert info.value.code == 50007
        assert emu.dms_to(shy) == []

        mette = await bot.fetch_user(scene.mette.id)
        first = await mette.send("Reminder 1")
        second = await mette.send("Reminder 2")
        assert first.channel.id == second.channel.id
        dm_channel = emu.dm_channel(scene.mette)
        assert dm_channel is not None and dm_channel.id == first.channel.id
        assert [m.content for m in emu.dms_to(scene.mette)] == ["Reminder 1", "Reminder 2"]


async def test_a_nonce_dedupes_only_within_the_window_of_the_emulators_clock(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    clock = FakeClock(dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC))
    emu.clock = clock
    bot = make_bot()
    async with run_client(emu, bot):
        channel = text_channel(bot, scene.channel)
        first = await channel.send("once", nonce="n1")
        clock.advance(dt.timedelta(minutes=4, seconds=59))
        assert (await channel.send("once", nonce="n1")).id == first.id
        clock.advance(dt.timedelta(seconds=2))
        later = await channel.send("once", nonce="n1")
        assert later.id != first.id
        assert [m.content for m in emu.channel_messages(scene.channel)] == ["once", "once"]


async def test_message_limits_edits_nonce_and_history(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    emu.rate_limit_config = RateLimitConfig.generous()  # this test sends many messages quickly
    bot = make_bot()
    async with run_client(emu, bot):
        channel = text_channel(bot, scene.channel)
        with pytest.raises(discord.HTTPException) as info:
            await channel.send("x" * 2001)
        assert info.value.code == 50035 and "content" in info.value.text
        embed = discord.Embed(title="Agenda")
        for i in range(26):
            embed.add_field(name=f"item {i}", value="v")
        with pytest.raises(discord.HTTPException) as info:
            await channel.send(embed=embed)
        assert info.value.code == 50035
        big = discord.Embed(description="d" * 4000)
        big.add_field(name="n", value="v" * 1024)
        big.add_field(name="m", value="v" * 1024)
        with pytest.raises(discord.HTTPException, match="6000"):
            await channel.send(embed=big)

        first = await channel.send("once", nonce=4242)
        again = await channel.send("once", nonce=4242)
        assert first.id == again.id
        assert [m.content for m in emu.channel_messages(scene.channel)] == ["once"]

        assert first.nonce in {4242, "4242"}  # the create response carries it
        fetched = await channel.fetch_message(first.id)
        assert fetched.nonce is None  # a message read back does not (Discord's docs)

        edited = await first.edit(content="twice", embed=discord.Embed(title="T"))
        assert edited.content == "twice"
        stored = emu.get_message(first.id)
        assert stored.edit_count == 1 and stored.embeds[0]["title"] == "T"
        assert stored.edits[0]["content"] == "twice"

        user_message = await emu.post_message(scene.mette, scene.channel, "hello from Mette")
        partial = channel.get_partial_message(user_message.id)
        with pytest.raises(discord.Forbidden) as info:
            await partial.edit(content="hijack")
        assert info.value.code == 50005
        await partial.delete()  # the bot has MANAGE_MESSAGES
        assert emu.get_message(user_message.id).deleted

        for i in range(5):
            await channel.send(f"m{i}")
        history = [m.content async for m in channel.history(limit=3)]
        assert history == ["m4", "m3", "m2"]
        oldest = [m.content async for m in channel.history(limit=2, oldest_first=True)]
        assert oldest == ["twice", "m0"]

        with pytest.raises(discord.NotFound) as info:
            await channel.fetch_message(123)
        assert info.value.code == 10008
        with pytest.raises(discord.NotFound) as info:
            await bot.http.send_message(42, params=discord.http.handle_message_parameters(content="x"))
        assert info.value.code == 10003


async def test_gateway_message_events_and_message_content_intent(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    seen: dict[str, list[str]] = {"plain": [], "content": []}
    for key, message_content in (("plain", False), ("content", True)):
        bot = make_bot(message_content=message_content)

        async def on_message(message: discord.Message, key: str = key) -> None:
            seen[key].append(message.content)

        bot.add_listener(on_message)
        async with run_client(emu, bot):
            await text_channel(bot, scene.channel).send(f"bot says {key}")
            await emu.post_message(scene.mette, scene.channel, f"user says {key}")
            await emu.post_message(scene.jens, scene.channel, f"{emu.bot_user.mention} ping {key}")
            await emu.wait_for(lambda key=key: len(seen[key]) == 3)  # type: ignore[misc]
    assert seen["plain"] == ["bot says plain", "", f"{emu.bot_user.mention} ping plain"]
    assert seen["content"] == ["bot says content", "user says content", f"{emu.bot_user.mention} ping content"]


async def test_moderator_delete_dispatches_message_delete(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    deleted: list[int] = []

    async def on_raw_message_delete(payload: discord.RawMessageDeleteEvent) -> None:
        deleted.append(payload.message_id)

    bot.add_listener(on_raw_message_delete)
    async with run_client(emu, bot):
        message = await text_channel(bot, scene.channel).send("to be removed")
        await emu.delete_message(message.id)
        await emu.wait_for(lambda: deleted == [message.id])
        assert emu.channel_messages(scene.channel) == []
        assert emu.channel_messages(scene.channel, include_deleted=True)[0].deleted


# --------------------------------------------------------------------------------------------
# rate limits
# --------------------------------------------------------------------------------------------


async def _edit_storm(emu: FakeDiscord, scene: Scene) -> int:
    """12 rapid edits by the bot racing 6 by a second process that shares the bot's token."""
    bot = make_bot()
    other = discord.Client(intents=discord.Intents.none())
    async with run_client(emu, bot):
        message = await text_channel(bot, scene.channel).send("v0")
        with emu.patch_discord():
            await other.login(emu.token)
        try:
            fetched = await other.fetch_channel(scene.channel.id)
            assert isinstance(fetched, discord.TextChannel)
            foreign = fetched.get_partial_message(message.id)
            await asyncio.gather(
                *(message.edit(content=f"bot {i}") for i in range(12)),
                *(foreign.edit(content=f"worker {i}") for i in range(6)),
            )
        finally:
            await other.close()
        return emu.get_message(message.id).edit_count


async def test_rate_limited_edits_are_waited_out() -> None:
    config = RateLimitConfig(message_edit=BucketLimit(5, 0.4))
    async with FakeDiscord(rate_limits=config) as emu:
        scene = build_scene(emu)
        assert await _edit_storm(emu, scene) == 18
        assert emu.rate_limited, "two clients sharing one bucket must run into 429s"
        for entry in emu.rate_limited:
            assert entry.response_headers["Via"] == "1.1 google"
            assert entry.response_headers["X-RateLimit-Scope"] == "user"
            assert entry.response["retry_after"] > 0
            assert entry.response["global"] is False
        assert emu.count("PATCH", r"/channels/\d+/messages/\d+$") == 18
        assert emu.count("PATCH", r"/messages/", include_rate_limited=True) == 18 + len(emu.rate_limited)
        edits = [r for r in emu.requests if r.method == "PATCH" and r.status == 200]
        assert all(int(r.response_headers["X-RateLimit-Limit"]) == 5 for r in edits)


async def test_single_client_is_throttled_by_headers_and_generous_limits_never_429() -> None:
    async with FakeDiscord(rate_limits=RateLimitConfig(message_edit=BucketLimit(5, 0.3))) as emu:
        scene = build_scene(emu)
        bot = make_bot()
        async with run_client(emu, bot):
            message = await text_channel(bot, scene.channel).send("v0")
            started = asyncio.get_running_loop().time()
            for i in range(12):
                await message.edit(content=f"v{i}")
            elapsed = asyncio.get_running_loop().time() - started
            assert elapsed >= 0.55, "12 edits at 5 per 0.3 s need at least two full windows"
            emu.exhaust_rate_limit("message_edit", scene.channel)
            await message.edit(content="after exhaustion")  # 429 -> discord.py sleeps and retries
            assert emu.rate_limited
            assert emu.get_message(message.id).content == "after exhaustion"

    async with FakeDiscord(rate_limits=RateLimitConfig.generous()) as emu:
        scene = build_scene(emu)
        assert await _edit_storm(emu, scene) == 18
        assert emu.rate_limited == []


async def test_a_rate_limit_storm_is_waited_out_until_it_outlasts_discord_pys_retries() -> None:
    async with FakeDiscord() as emu:
        scene = build_scene(emu)
        bot = make_bot()
        async with run_client(emu, bot):
            channel = text_channel(bot, scene.channel)
            storm = emu.rate_limit_storm("message_create", scene.channel, times=3, retry_after=0.05)
            sent = await channel.send("through the storm")  # three 429s, waited out, then accepted
            assert emu.get_message(sent.id).content == "through the storm"
            assert (storm.answered, storm.times) == (3, 0)
            assert [r.status for r in emu.rate_limited] == [429] * 3
            assert all(r.response_headers["Via"] == "1.1 google" for r in emu.rate_limited)

            emu.rate_limit_storm("message_create", None, times=5, retry_after=0.01)  # every channel
            with pytest.raises(discord.HTTPException) as refused:
                await channel.send("lost in the storm")
            assert refused.value.status == 429
            assert len(emu.rate_limited) == 3 + 5
            await channel.send("after the storm")  # it is over: the budget was never touched
            assert [m.content for m in emu.channel_messages(scene.channel)][-1] == "after the storm"


async def test_http_level_details(emu: FakeDiscord) -> None:
    build_scene(emu)
    emu.rate_limit_config = RateLimitConfig(default=BucketLimit(2, 5.0))
    headers = {"Authorization": f"Bot {emu.token}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{emu.api_base}/users/@me", headers={"Authorization": "Bot wrong"}) as resp:
            assert resp.status == 401
            assert resp.headers["Content-Type"] == "application/json"
        for expected_remaining in ("1", "0"):
            async with session.get(f"{emu.api_base}/users/@me", headers=headers) as resp:
                assert resp.status == 200
                assert resp.headers["Content-Type"] == "application/json"
                assert resp.headers["X-RateLimit-Limit"] == "2"
                assert resp.headers["X-RateLimit-Remaining"] == expected_remaining
                assert float(resp.headers["X-RateLimit-Reset-After"]) > 0
                assert float(resp.headers["X-RateLimit-Reset"]) > 1e9
                bucket = resp.headers["X-RateLimit-Bucket"]
        async with session.get(f"{emu.api_base}/users/@me", headers=headers) as resp:
            assert resp.status == 429
            assert resp.headers["Via"] == "1.1 google"
            assert resp.headers["X-RateLimit-Bucket"] == bucket
            assert int(resp.headers["Retry-After"]) >= 1
            body = await resp.json()
            assert body["message"] == "You are being rate limited." and body["global"] is False
        async with session.get(f"{emu.api_base}/nothing/here", headers=headers) as resp:
            assert resp.status == 404
            assert await resp.json() == {"message": "404: Not Found", "code": 0}
    assert emu.unknown_routes == ["GET /nothing/here"]
    assert len(emu.rate_limited) == 1


# --------------------------------------------------------------------------------------------
# gateway resilience
# --------------------------------------------------------------------------------------------


async def test_drop_gateway_resumes_and_replays_missed_events(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    added: list[int] = []
    resumed: list[bool] = []

    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        added.append(payload.user_id)

    async def on_resumed() -> None:
        resumed.append(True)

    bot.add_listener(on_raw_reaction_add)
    bot.add_listener(on_resumed)
    async with run_client(emu, bot):
        message = await text_channel(bot, scene.channel).send("RSVP")

        async with emu.gateway_outage():
            await emu.react(scene.mette, message.id, "✅")
            assert not any(s.connected for s in emu.sessions)
        await emu.wait_for(lambda: added == [scene.mette.id])
        await emu.wait_for(lambda: resumed)

        await emu.drop_gateway(code=4000)
        await emu.react(scene.jens, message.id, "✅")
        await emu.wait_for(lambda: added == [scene.mette.id, scene.jens.id])

        await emu.request_reconnect()
        await emu.wait_for(lambda: emu.resume_count == 3)
        assert emu.identify_count == 1
        assert [p["op"] for p in emu.gateway_received].count(2) == 1


async def test_invalid_session_makes_the_client_identify_again(emu: FakeDiscord) -> None:
    build_scene(emu)
    bot = make_bot()

    async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py otherwise sleeps 5 s before every non-initial IDENTIFY

    bot.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
    async with run_client(emu, bot):
        await emu.invalidate_sessions()
        await emu.wait_for(lambda: emu.identify_count == 2 and emu.sessions)
        await emu.wait_until_connected()


# --------------------------------------------------------------------------------------------
# scheduled events and members
# --------------------------------------------------------------------------------------------


async def test_scheduled_events_create_edit_delete(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    created: list[str] = []

    async def on_scheduled_event_create(event: discord.ScheduledEvent) -> None:
        created.append(event.name)

    bot.add_listener(on_scheduled_event_create)
    start = discord.utils.utcnow() + dt.timedelta(days=3)
    async with run_client(emu, bot):
        guild = bot.get_guild(scene.guild.id)
        assert guild is not None
        event = await guild.create_scheduled_event(
            name="December meeting",
            start_time=start,
            end_time=start + dt.timedelta(hours=2),
            entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only,
            location="Café Nord",
            description="Hot seat: Mette",
        )
        assert event.location == "Café Nord"
        assert event.start_time == start
        [stored] = emu.scheduled_events(scene.guild)
        assert stored["entity_metadata"] == {"location": "Café Nord"}
        assert stored["status"] == 1
        await emu.wait_for(lambda: created == ["December meeting"])

        edited = await event.edit(name="December meeting (moved)", location="Café Syd")
        assert edited.name == "December meeting (moved)"
        assert emu.scheduled_events(scene.guild)[0]["entity_metadata"] == {"location": "Café Syd"}

        fetched = await guild.fetch_scheduled_events()
        assert [e.name for e in fetched] == ["December meeting (moved)"]

        with pytest.raises(discord.HTTPException) as info:
            await bot.http.create_guild_scheduled_event(
                guild.id,
                name="No end",
                entity_type=3,
                privacy_level=2,
                scheduled_start_time=start.isoformat(),
                entity_metadata={"location": "x"},
            )
        assert info.value.status == 400 and info.value.code == 50035
        with pytest.raises(discord.HTTPException) as info:
            await guild.create_scheduled_event(
                name="Past",
                start_time=discord.utils.utcnow() - dt.timedelta(hours=1),
                end_time=discord.utils.utcnow(),
                location="x",
                entity_type=discord.EntityType.external,
                privacy_level=discord.PrivacyLevel.guild_only,
            )
        assert info.value.code == 50035

        await event.delete()
        assert emu.scheduled_events(scene.guild) == []
    emu.assert_healthy()


CLOCK_START = dt.datetime(2031, 3, 4, 17, 0, tzinfo=dt.UTC)


async def create_external_event(
    guild: discord.Guild, start: dt.datetime, *, hours: int = 2, name: str = "Meetup"
) -> discord.ScheduledEvent:
    return await guild.create_scheduled_event(
        name=name,
        start_time=start,
        end_time=start + dt.timedelta(hours=hours),
        entity_type=discord.EntityType.external,
        privacy_level=discord.PrivacyLevel.guild_only,
        location="Café Nord",
    )


def last_error_body(emu: FakeDiscord) -> dict[str, Any]:
    failed = [r for r in emu.requests if r.status >= 400]
    assert failed, "no failed request"
    assert isinstance(failed[-1].response, dict)
    return failed[-1].response


async def test_external_event_starts_and_ends_by_the_emulator_clock() -> None:
    clock = FakeClock(CLOCK_START)
    updates: list[tuple[discord.EventStatus, discord.EventStatus]] = []
    bot = make_bot()

    async def on_scheduled_event_update(before: discord.ScheduledEvent, after: discord.ScheduledEvent) -> None:
        updates.append((before.status, after.status))

    bot.add_listener(on_scheduled_event_update)
    async with FakeDiscord(clock=clock) as emu:
        assert emu.clock is clock and emu.now() == CLOCK_START
        scene = build_scene(emu)
        async with run_client(emu, bot):
            guild = bot.get_guild(scene.guild.id)
            assert guild is not None
            event = await create_external_event(guild, CLOCK_START + dt.timedelta(hours=1), hours=2)
            assert emu.scheduled_event(scene.guild, event)["status"] == 1

            clock.advance(dt.timedelta(minutes=59))
            assert emu.advance_events() == []
            assert emu.scheduled_events(scene.guild)[0]["status"] == 1

            clock.advance(dt.timedelta(minutes=1))  # the start time: Discord starts it
            assert emu.scheduled_events(scene.guild)[0]["status"] == 2
            await emu.wait_for(lambda: updates == [(discord.EventStatus.scheduled, discord.EventStatus.active)])
            cached = guild.get_scheduled_event(event.id)
            assert cached is not None and cached.status is discord.EventStatus.active

            clock.advance(dt.timedelta(hours=2))  # the end time: the next REST read sees it completed
            fetched = await guild.fetch_scheduled_event(event.id)
            assert fetched.status is discord.EventStatus.completed
            await emu.wait_for(lambda: len(updates) == 2)
            assert updates[1] == (discord.EventStatus.active, discord.EventStatus.completed)
            statuses = [d.data["status"] for d in emu.dispatched if d.event == "GUILD_SCHEDULED_EVENT_UPDATE"]
            assert statuses == [2, 3]

            # a finished event cannot be modified at all
            with pytest.raises(discord.HTTPException) as info:
                await fetched.edit(name="Again")
            assert info.value.status == 400 and info.value.code == 180000

            # "in the past" is judged by the emulator's clock, not by wall time
            with pytest.raises(discord.HTTPException) as info:
                await create_external_event(guild, CLOCK_START + dt.timedelta(hours=2), name="Too late")
            assert info.value.code == 50035
            assert "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST" in str(last_error_body(emu)["errors"])
        emu.assert_healthy()


async def test_event_that_passed_start_and_end_at_once_gets_both_updates(emu: FakeDiscord) -> None:
    clock = FakeClock(CLOCK_START)
    emu.clock = clock  # set after construction, like the e2e fixture does
    scene = build_scene(emu)
    bot = make_bot()
    async with run_client(emu, bot):
        guild = bot.get_guild(scene.guild.id)
        assert guild is not None
        event = await create_external_event(guild, CLOCK_START + dt.timedelta(days=1))
        clock.advance(dt.timedelta(days=2))
        changes = emu.advance_events()
        assert [(c["id"], c["status"]) for c in changes] == [(str(event.id), 2), (str(event.id), 3)]
        assert emu.advance_events() == []
        [listed] = await guild.fetch_scheduled_events()
        assert listed.status is discord.EventStatus.completed
    emu.assert_healthy()


async def test_status_transitions_of_an_active_event(emu: FakeDiscord) -> None:
    clock = FakeClock(CLOCK_START)
    emu.clock = clock
    scene = build_scene(emu)
    bot = make_bot()
    async with run_client(emu, bot):
        guild = bot.get_guild(scene.guild.id)
        assert guild is not None
        first = await create_external_event(guild, CLOCK_START + dt.timedelta(hours=1), name="First")
        second = await create_external_event(guild, CLOCK_START + dt.timedelta(hours=5), name="Second")
        clock.advance(dt.timedelta(hours=1, minutes=30))
        active = await guild.fetch_scheduled_event(first.id)
        assert active.status is discord.EventStatus.active

        # discord.py refuses cancel() client-side; the raw PATCH is refused by Discord
        with pytest.raises(ValueError):
            await active.cancel()
        with pytest.raises(discord.HTTPException) as info:
            await bot.http.edit_scheduled_event(guild.id, first.id, status=4)
        assert info.value.status == 400 and info.value.code == 50035
        body = last_error_body(emu)
        assert body["errors"]["status"]["_errors"][0]["code"] == "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION"
        with pytest.raises(discord.HTTPException) as info:
            await bot.http.edit_scheduled_event(guild.id, first.id, status=1)
        assert info.value.code == 50035
        assert emu.scheduled_event(scene.guild, first)["status"] == 2

        ended = await active.end()
        assert ended.status is discord.EventStatus.completed
        assert emu.scheduled_event(scene.guild, first)["status"] == 3
        with pytest.raises(discord.HTTPException) as info:
            await bot.http.edit_scheduled_event(guild.id, first.id, status=2)
        assert info.value.status == 400 and info.value.code == 180000

        # SCHEDULED -> ACTIVE by hand before the start, then ACTIVE -> COMPLETED at the end time
        started = await second.start()
        assert started.status is discord.EventStatus.active
        clock.advance(dt.timedelta(hours=6))
        assert emu.scheduled_event(scene.guild, second)["status"] == 3
        # SCHEDULED -> CANCELED, and a canceled event stays as it is
        third = await create_external_event(guild, clock.now + dt.timedelta(days=1), name="Third")
        canceled = await third.cancel()
        assert canceled.status is discord.EventStatus.cancelled
        clock.advance(dt.timedelta(days=2))
        assert emu.scheduled_event(scene.guild, third)["status"] == 4
        with pytest.raises(discord.HTTPException) as info:
            await bot.http.edit_scheduled_event(guild.id, third.id, description="late")
        assert info.value.code == 180000
        await third.delete()  # deleting a finished event is fine
    emu.assert_healthy()


async def test_event_description_is_1_to_1000_characters(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    start = discord.utils.utcnow() + dt.timedelta(days=3)
    fields: dict[str, Any] = {
        "name": "Meetup",
        "entity_type": 3,
        "privacy_level": 2,
        "scheduled_start_time": start.isoformat(),
        "scheduled_end_time": (start + dt.timedelta(hours=2)).isoformat(),
        "entity_metadata": {"location": "Café Nord"},
    }
    async with run_client(emu, bot):
        guild = bot.get_guild(scene.guild.id)
        assert guild is not None
        for bad in ("", "x" * 1001):
            with pytest.raises(discord.HTTPException) as info:
                await bot.http.create_guild_scheduled_event(guild.id, **fields, description=bad)
            assert info.value.status == 400 and info.value.code == 50035
            assert last_error_body(emu)["errors"]["description"]["_errors"][0]["code"] == "BASE_TYPE_BAD_LENGTH"
        assert emu.scheduled_events(scene.guild) == []

        created = await bot.http.create_guild_scheduled_event(guild.id, **fields, description=None)
        assert created["description"] is None
        created = await bot.http.create_guild_scheduled_event(guild.id, **fields)
        assert created["description"] is None
        created = await bot.http.create_guild_scheduled_event(guild.id, **fields, description="x" * 1000)
        assert created["description"] == "x" * 1000

        with pytest.raises(discord.HTTPException) as info:
            await bot.http.edit_scheduled_event(guild.id, created["id"], description="")
        assert info.value.code == 50035
        edited = await bot.http.edit_scheduled_event(guild.id, created["id"], description=None)
        assert edited["description"] is None
    emu.assert_healthy()


async def test_broken_message_links_are_found(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()

    @bot.tree.command(name="link", description="A link", guild=discord.Object(scene.guild.id))
    async def link(interaction: discord.Interaction) -> None:
        target = interaction.client.get_partial_messageable(scene.channel.id).get_partial_message(1234)
        await interaction.response.send_message(f"see {target.jump_url}", ephemeral=True)

    async with run_client(emu, bot):
        await bot.tree.sync(guild=discord.Object(scene.guild.id))
        channel = text_channel(bot, scene.channel)
        first = await channel.send("the agenda")
        assert first.jump_url == f"https://discord.com/channels/{scene.guild.id}/{scene.channel.id}/{first.id}"
        # good links: the real jump_url, a channel link, a DM link with @me, a channel outside the emulator
        dm = await (await bot.fetch_user(scene.mette.id)).create_dm()
        dm_message = await dm.send("hi")
        await channel.send(
            f"{first.jump_url} https://ptb.discord.com/channels/{scene.guild.id}/{scene.channel.id} "
            f"https://discord.com/channels/@me/{dm.id}/{dm_message.id} https://discord.com/channels/1/2/3"
        )
        assert emu.broken_message_links() == []
        emu.assert_healthy()

        # a message fetched through a partial messageable without guild_id: jump_url says @me
        partial = bot.get_partial_messageable(scene.channel.id).get_partial_message(first.id)
        assert "/channels/@me/" in partial.jump_url
        embed = discord.Embed(title="Agenda", description=f"[Read it]({partial.jump_url})")
        await channel.send(embed=embed)
        [broken] = emu.broken_message_links()
        assert partial.jump_url in broken and "embeds[0].description" in broken and "not @me" in broken

        other = scene.guild.add_text_channel("other")
        await dm.send(f"https://canary.discord.com/channels/{scene.guild.id}/{dm.id}")  # a DM with a guild id
        await channel.send(f"https://discord.com/channels/{scene.guild.id}/{other.id}/{first.id}")  # wrong channel
        await emu.run_command(scene.mette, scene.channel, "link")
        broken_links = emu.broken_message_links()
        assert len(broken_links) == 4
        assert "a DM link needs @me" in broken_links[1]
        assert f"message {first.id} is in channel {scene.channel.id}" in broken_links[2]
        assert "interaction reply to /link" in broken_links[3] and "ephemeral" in broken_links[3]
        with pytest.raises(AssertionError, match="broken message links"):
            emu.assert_healthy()


async def test_member_join_is_only_delivered_with_the_members_intent(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    for with_intent in (False, True):
        joined: list[int] = []
        left: list[int] = []
        bot = make_bot(members=with_intent)

        async def on_member_join(member: discord.Member, joined: list[int] = joined) -> None:
            joined.append(member.id)

        async def on_raw_member_remove(payload: discord.RawMemberRemoveEvent, left: list[int] = left) -> None:
            left.append(payload.user.id)

        bot.add_listener(on_member_join)
        bot.add_listener(on_raw_member_remove)
        newcomer = emu.add_user(f"New{with_intent}")
        async with run_client(emu, bot):
            await emu.member_join(scene.guild, newcomer)
            await emu.member_leave(scene.guild, newcomer)
            marker = await text_channel(bot, scene.channel).send("sync point")
            await emu.react(scene.mette, marker.id, "✅")  # any later event proves ordering
            await asyncio.sleep(0.05)
            if with_intent:
                expected = [newcomer.id]
                await emu.wait_for(lambda: joined == expected and left == expected)  # noqa: B023
            else:
                assert joined == [] and left == []
        delivered = [d for d in emu.dispatched if d.event == "GUILD_MEMBER_ADD"]
        assert bool(delivered[-1].session_ids) is with_intent


# --------------------------------------------------------------------------------------------
# threads
# --------------------------------------------------------------------------------------------


async def test_create_thread_from_message_send_and_fetch(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    created: list[discord.Thread] = []

    async def on_thread_create(thread: discord.Thread) -> None:
        created.append(thread)

    bot.add_listener(on_thread_create)
    async with run_client(emu, bot, fail_on_error_logs=True):
        message = await text_channel(bot, scene.channel).send("Agenda for Thursday")
        thread = await message.create_thread(name="Agenda discussion")
        assert thread.id == message.id
        assert thread.type is discord.ChannelType.public_thread
        assert thread.parent_id == scene.channel.id and thread.owner_id == emu.bot_user.id
        assert thread.name == "Agenda discussion" and not thread.archived and not thread.locked
        assert thread.auto_archive_duration == 1440 and thread.member_count == 1 and thread.message_count == 0
        assert thread.me is not None and thread.me.id == emu.bot_user.id

        # THREAD_CREATE (newly_created) puts the thread in the cache; MESSAGE_UPDATE gives the starter its thread
        await emu.wait_for(lambda: [t.id for t in created] == [thread.id])
        guild = bot.get_guild(scene.guild.id)
        assert guild is not None and guild.get_thread(thread.id) is not None
        assert isinstance(bot.get_channel(thread.id), discord.Thread)
        starter = await text_channel(bot, scene.channel).fetch_message(message.id)
        assert starter.thread is not None and starter.thread.id == thread.id and starter.flags.has_thread

        fake = emu.thread_of(message.id)
        assert fake is not None and fake.id == message.id and fake.is_thread and fake.thread is not None
        assert emu.threads(scene.channel) == [fake] and scene.guild.threads == [fake]
        assert fake.thread.owner_id == emu.bot_user.id and fake.parent_id == scene.channel.id
        assert emu.thread_of(await text_channel(bot, scene.channel).send("no thread")) is None
        event = next(d for d in emu.dispatched if d.event == "THREAD_CREATE")
        assert event.data["newly_created"] is True and event.data["thread_metadata"]["archived"] is False

        sent = await thread.send("First point")
        assert sent.channel.id == thread.id
        assert [m.content for m in emu.channel_messages(fake)] == ["First point"]
        assert [m.content for m in emu.channel_messages(scene.channel)] == ["Agenda for Thursday", "no thread"]
        assert [m.content async for m in thread.history()] == ["First point"]

        fetched = await bot.fetch_channel(thread.id)
        assert isinstance(fetched, discord.Thread)
        assert fetched.name == "Agenda discussion" and fetched.message_count == 1
        assert fetched.parent_id == scene.channel.id and fetched.last_message_id == sent.id

        with pytest.raises(discord.HTTPException) as again:
            await message.create_thread(name="Second try")
        assert again.value.status == 400 and again.value.code == 160004
        assert len(emu.threads(scene.channel)) == 1
    emu.assert_healthy()


async def test_thread_permissions_are_enforced(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    async with run_client(emu, bot):
        channel = text_channel(bot, scene.channel)
        message = await channel.send("Who brings coffee?")
        scene.guild.set_permissions(scene.channel, scene.guild.bot_role, deny=Perm.CREATE_PUBLIC_THREADS)
        await emu.wait_for(lambda: not channel.permissions_for(channel.guild.me).create_public_threads)
        with pytest.raises(discord.Forbidden) as denied:
            await message.create_thread(name="Coffee")
        assert denied.value.code == 50013
        assert emu.threads(scene.channel) == [] and emu.thread_of(message.id) is None

        scene.guild.set_permissions(scene.channel, scene.guild.bot_role, deny=Perm.SEND_MESSAGES_IN_THREADS)
        thread = await message.create_thread(name="Coffee")
        with pytest.raises(discord.Forbidden) as muted:
            await thread.send("I will")
        assert muted.value.code == 50013
        await channel.send("SEND_MESSAGES still works outside threads")

        scene.guild.set_permissions(scene.channel, scene.guild.everyone_role, deny=Perm.SEND_MESSAGES_IN_THREADS)
        with pytest.raises(AssertionError, match="SEND_MESSAGES_IN_THREADS"):
            await emu.post_message(scene.jens, thread.id, "me neither")


async def test_user_message_in_a_thread_reaches_on_message(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot(message_content=True)
    seen: list[tuple[int, str, bool]] = []

    async def on_message(message: discord.Message) -> None:
        if message.author.id != emu.bot_user.id:
            seen.append((message.channel.id, message.content, isinstance(message.channel, discord.Thread)))

    bot.add_listener(on_message)
    async with run_client(emu, bot):
        message = await text_channel(bot, scene.channel).send("Ideas for next month")
        thread = await message.create_thread(name="Ideas")
        fake = emu.thread_of(message)
        assert fake is not None and fake.thread is not None
        posted = await emu.post_message(scene.mette, fake, "A workshop on soldering")
        await emu.wait_for(lambda: seen == [(thread.id, "A workshop on soldering", True)])
        assert posted.channel_id == thread.id and posted.guild_id == scene.guild.id
        assert list(fake.thread.members) == [emu.bot_user.id, scene.mette.id]
        assert fake.thread.message_count == 1
        # THREAD_MEMBERS_UPDATE about other users needs GUILD_MEMBERS
        joined = [d for d in emu.dispatched if d.event == "THREAD_MEMBERS_UPDATE"]
        assert len(joined) == 1 and joined[0].session_ids == []
        assert [m.content async for m in thread.history()] == ["A workshop on soldering"]

        # a thread a user starts (from the bot's message) reaches on_thread_create as well
        other = await text_channel(bot, scene.channel).send("Venue?")
        user_thread = await emu.start_thread(scene.jens, other.id, "Venue ideas")
        await emu.wait_for(lambda: bot.get_channel(user_thread.id) is not None)
        cached = bot.get_channel(user_thread.id)
        assert isinstance(cached, discord.Thread) and cached.owner_id == scene.jens.id
        await emu.post_message(scene.jens, user_thread, "The library")
        await emu.wait_for(lambda: seen[-1] == (user_thread.id, "The library", True))


async def test_archive_lock_and_unarchive_threads(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    async with run_client(emu, bot):
        channel = text_channel(bot, scene.channel)
        thread = await (await channel.send("Minutes")).create_thread(name="Minutes", auto_archive_duration=60)
        fake = emu.get_channel(thread.id)
        assert fake.thread is not None and fake.thread.auto_archive_duration == 60
        note = await thread.send("Point 1")

        archived = await thread.edit(archived=True)
        assert archived.archived and fake.archived
        await emu.wait_for(lambda: channel.guild.get_thread(thread.id) is None)  # discord.py drops archived ones
        assert [t.id async for t in channel.archived_threads()] == [thread.id]
        assert await channel.guild.active_threads() == []
        for write in (note.edit(content="Point 1b"), note.add_reaction("✅"), thread.edit(name="Renamed")):
            with pytest.raises(discord.HTTPException) as frozen:
                await write
            assert frozen.value.code == 50083
        with pytest.raises(AssertionError, match="archived"):
            await emu.react(scene.mette, note.id, "✅")

        # sending unarchives an unlocked thread (THREAD_UPDATE brings it back into the cache)
        await thread.send("Point 2")
        assert not fake.archived
        await emu.wait_for(lambda: channel.guild.get_thread(thread.id) is not None)
        assert [t.id for t in await channel.guild.active_threads()] == [thread.id]
        reopened = await bot.fetch_channel(thread.id)
        assert isinstance(reopened, discord.Thread) and not reopened.archived

        await thread.edit(archived=True, locked=True)
        assert fake.archived and fake.locked
        with pytest.raises(AssertionError, match="locked"):
            await emu.post_message(scene.mette, fake, "let me in")
        scene.guild.set_permissions(scene.channel, scene.guild.bot_role, deny=Perm.MANAGE_THREADS)
        with pytest.raises(discord.HTTPException) as locked:
            await thread.send("Point 3")
        assert locked.value.code == 160005
        with pytest.raises(discord.Forbidden):
            await thread.edit(archived=False)
        scene.guild.set_permissions(scene.channel, scene.guild.bot_role)
        unlocked = await thread.edit(archived=False, locked=False, name="Minutes (open)")
        assert not unlocked.archived and not unlocked.locked and unlocked.name == "Minutes (open)"

        emu.edit_thread(fake, archived=True)  # Discord's auto-archiver
        await emu.wait_for(lambda: channel.guild.get_thread(thread.id) is None)
        await emu.post_message(scene.mette, fake, "still here?")
        assert not fake.archived
        await emu.wait_for(lambda: channel.guild.get_thread(thread.id) is not None)
        updates = [d for d in emu.dispatched if d.event == "THREAD_UPDATE"]
        assert [d.data["thread_metadata"]["archived"] for d in updates] == [True, False, True, False, True, False]
    emu.assert_healthy()


async def test_threads_without_a_message_and_membership(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    bot = make_bot()
    async with run_client(emu, bot, fail_on_error_logs=True):
        channel = text_channel(bot, scene.channel)
        private = await channel.create_thread(name="Organisers")  # discord.py defaults to private
        assert private.type is discord.ChannelType.private_thread and private.invitable
        public = await channel.create_thread(name="Open chat", type=discord.ChannelType.public_thread)
        assert public.type is discord.ChannelType.public_thread
        notices = [m for m in emu.channel_messages(scene.channel) if m.type == 18]
        assert [(m.content, m.message_reference) for m in notices] == [
            ("Open chat", {"type": 0, "channel_id": str(public.id), "guild_id": str(scene.guild.id)})
        ]
        assert [t.id for t in emu.threads(scene.channel)] == [private.id, public.id]

        # a private thread is invisible to non-members without MANAGE_THREADS
        with pytest.raises(AssertionError, match="cannot see"):
            await emu.post_message(scene.jens, private.id, "hello?")
        await emu.post_message(scene.jens, public.id, "hello!")

        fake = emu.get_channel(public.id)
        assert fake.thread is not None
        await public.leave()
        assert emu.bot_user.id not in fake.thread.members
        await public.join()
        assert list(fake.thread.members)[-1] == emu.bot_user.id
        await emu.wait_for(lambda: public.me is not None)

        scene.guild.set_permissions(scene.channel, scene.guild.bot_role, deny=Perm.CREATE_PRIVATE_THREADS)
        with pytest.raises(discord.Forbidden):
            await channel.create_thread(name="Secret")
        with pytest.raises(discord.HTTPException) as bad:
            await channel.create_thread(name="x" * 101, type=discord.ChannelType.public_thread)
        assert bad.value.code == 50035
    emu.assert_healthy()


async def test_threads_are_in_guild_create(emu: FakeDiscord) -> None:
    scene = build_scene(emu)
    topic = await emu.post_message(scene.mette, scene.channel, "Who is coming to the swap meet?")
    active = await emu.start_thread(scene.mette, topic, "Swap meet")
    old = await emu.start_thread(scene.jens, scene.channel, "Last year's meet")
    emu.edit_thread(old, archived=True)
    assert emu.threads(scene.channel, include_archived=False) == [active]
    bot = make_bot()

    async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    bot.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
    async with run_client(emu, bot):
        guild = bot.get_guild(scene.guild.id)
        assert guild is not None
        assert [t.id for t in guild.threads] == [active.id]
        cached = guild.get_thread(active.id)
        assert cached is not None and cached.owner_id == scene.mette.id and cached.name == "Swap meet"
        assert cached.parent_id == scene.channel.id and cached.me is None

        mine = await (await text_channel(bot, scene.channel).send("Bot topic")).create_thread(name="Bot thread")
        await emu.invalidate_sessions()
        await emu.wait_for(lambda: emu.identify_count == 2 and emu.sessions)
        await emu.wait_until_connected()

        def rebuilt_threads() -> list[int]:
            rebuilt = bot.get_guild(scene.guild.id)
            return sorted(t.id for t in rebuilt.threads) if rebuilt is not None else []

        await emu.wait_for(lambda: rebuilt_threads() == sorted([active.id, mine.id]))
        guild = bot.get_guild(scene.guild.id)
        assert guild is not None
        rebuilt = guild.get_thread(mine.id)
        assert rebuilt is not None and rebuilt.me is not None and rebuilt.owner_id == emu.bot_user.id
        assert bot.get_channel(old.id) is None  # archived threads are not in GUILD_CREATE
