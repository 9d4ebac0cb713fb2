"""/settings end to end: each group changes what the next post, reminder or refusal uses, with no restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.__main__ import run_check
from bot.rounds import RoundKind, RoundState
from bot.settings import SettingKey
from db import rounds
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.e2e.test_reminders import DAY_BEFORE, create_meeting, reminder_posts
from tests.fakediscord import FakeUser, Perm


async def admin(server: Server) -> FakeUser:
    """A steering-group member with Manage Server (the organiser role alone is not enough for channels/role)."""
    role = server.guild.add_role("Admin", permissions=Perm.MANAGE_GUILD)
    user = server.emu.add_user("Anne", locale="da")
    await server.emu.member_join(server.guild, user, roles=[role, server.organiser_role])
    return user


async def audit_lines(server: Server, running: RunningBot, channel_id: int | None = None) -> list[str]:
    """The audit lines in the organisers' channel, once the bot has finished what the last command started."""
    assert running.bot is not None
    await settle_bot(running.bot)
    channel = server.organisers_channel if channel_id is None else server.guild.channels[channel_id]
    return [m.content for m in server.emu.channel_messages(channel) if m.content.startswith("⚙️")]


async def test_show_lists_every_setting_and_its_source(server: Server, running: RunningBot) -> None:
    await running.start()
    shown = await server.emu.run_command(server.organiser, server.announcements, "settings show", locale="en-US")
    assert shown.ephemeral
    text = shown.embeds[0]["description"]
    assert f"**Announcements channel**: <#{server.announcements.id}> · config file" in text
    assert "**Reminders before a meeting**: 7d, 1d · config file" in text
    assert "**Topics channel**: not set" in text
    await server.emu.run_command(server.organiser, server.announcements, "settings network", options={"venue": "Stege"})
    shown = await server.emu.run_command(server.organiser, server.announcements, "settings show", locale="da")
    assert f"**Fast mødested**: Stege · ændret i Discord af <@{server.organiser.id}>" in shown.embeds[0]["description"]


async def test_members_and_organisers_without_manage_server_are_refused(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    refused = await server.emu.run_command(server.mette, server.announcements, "settings show", locale="da")
    assert refused.ephemeral and "kun arrangørerne" in refused.content
    refused = await server.emu.run_command(
        server.mette, server.announcements, "settings reminders", options={"offsets": "3d"}, locale="da"
    )
    assert "kun arrangørerne" in refused.content
    other = server.guild.add_text_channel("andet")
    refused = await server.emu.run_command(
        server.organiser, server.announcements, "settings channels", options={"announcements": other.id}, locale="da"
    )
    assert "Administrer server" in refused.content
    refused = await server.emu.run_command(
        server.organiser, server.announcements, "settings role", options={"role": server.organiser_role.id}
    )
    assert "Administrer server" in refused.content
    assert bot.config.discord.announcements_channel_id == server.announcements.id
    assert bot.config.reminders.offsets == (timedelta(days=7), timedelta(days=1))
    assert not await audit_lines(server, running)


async def test_a_new_announcements_channel_is_used_for_the_next_post(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    anne = await admin(server)
    first = await create_meeting(server)
    moder = server.guild.add_text_channel("møder")
    answer = await server.emu.run_command(
        anne, server.announcements, "settings channels", options={"announcements": moder.id}, locale="da"
    )
    assert "Ændret" in answer.content and f"<#{server.announcements.id}> → <#{moder.id}>" in answer.content
    (line,) = await audit_lines(server, running)
    assert f"<@{anne.id}>" in line and f"Annonceringskanal: <#{server.announcements.id}> → <#{moder.id}>" in line
    result = await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": "5/1", "format": "2.0"}
    )
    assert "Oprettet og annonceret" in result.followups[-1].content
    await settle_bot(bot)
    assert [m.id for m in server.emu.channel_messages(server.announcements) if m.embeds] == [first.id]
    assert len([m for m in server.emu.channel_messages(moder) if m.embeds]) == 1
    # It lasts across a restart: the database, not the file, holds the change.
    bot = await running.restart()
    assert bot.config.discord.announcements_channel_id == moder.id
    assert bot.file_config.discord.announcements_channel_id == server.announcements.id


async def test_a_channel_the_bot_cannot_post_in_is_refused_and_nothing_changes(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    anne = await admin(server)
    closed = server.guild.add_text_channel("lukket")
    server.guild.set_permissions(closed, server.emu.bot_user, deny=Perm.SEND_MESSAGES)
    refused = await server.emu.run_command(
        anne,
        server.announcements,
        "settings channels",
        options={"organisers": server.announcements.id, "topics": closed.id},
        locale="en-US",
    )
    assert refused.ephemeral and "lacks Send Messages" in refused.content and "Nothing was changed" in refused.content
    assert bot.config.discord.organisers_channel_id == server.organisers_channel.id
    assert bot.config.feedback.topics_channel_id is None
    assert not await audit_lines(server, running)


async def test_a_new_organisers_channel_is_told_in_both_channels(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    anne = await admin(server)
    board = server.guild.add_text_channel("bestyrelsen")
    await server.emu.run_command(anne, server.announcements, "settings channels", options={"organisers": board.id})
    assert len(await audit_lines(server, running)) == 1
    assert len(await audit_lines(server, running, board.id)) == 1
    await bot.notify_organisers("⚙️ test")
    assert len(await audit_lines(server, running, board.id)) == 2


async def test_a_new_organiser_role_decides_who_organises_at_once(server: Server, running: RunningBot) -> None:
    await running.start()
    anne = await admin(server)
    steering = server.guild.add_role("Styregruppe")
    lars = server.emu.add_user("Lars", locale="da")
    await server.emu.member_join(server.guild, lars, roles=[steering])
    refused = await server.emu.run_command(
        anne, server.announcements, "settings role", options={"role": server.guild.everyone_role.id}, locale="da"
    )
    assert "kan ikke være arrangørrollen" in refused.content
    await server.emu.run_command(anne, server.announcements, "settings role", options={"role": steering.id})
    before = await server.emu.run_command(server.organiser, server.announcements, "settings show", locale="da")
    assert "kun arrangørerne" in before.content  # the old role no longer organises
    allowed = await server.emu.run_command(lars, server.announcements, "settings show", locale="da")
    assert allowed.embeds


async def test_new_offsets_re_time_the_coming_reminders_without_repeating_sent_ones(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    await create_meeting(server)  # 1 December 17:30; reminders 7d (already past at creation) and 1d
    server.clock.now = DAY_BEFORE
    await bot.rounds.run_due()
    assert len(reminder_posts(server)) == 1
    server.clock.now = DAY_BEFORE + timedelta(minutes=10)
    answer = await server.emu.run_command(
        server.organiser, server.announcements, "settings reminders", options={"offsets": "1d, 2h"}, locale="da"
    )
    assert "Påmindelser før et møde: 7d, 1d → 1d, 2h" in answer.content
    meeting_rows = await rounds.for_meeting(bot.db, 1)
    reminders = {row.subject: row for row in meeting_rows if row.kind is RoundKind.REMINDER}
    assert reminders["1d"].state is RoundState.SENT
    assert reminders["2h"].state is RoundState.PENDING
    assert reminders["2h"].due_at == datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
    server.clock.now = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
    await bot.rounds.run_due()
    assert len(reminder_posts(server)) == 2
    bot = await running.restart()
    await bot.rounds.run_due()
    assert len(reminder_posts(server)) == 2


async def test_bad_values_get_a_clear_answer_and_change_nothing(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    emu, channel = server.emu, server.announcements
    for options, expected in (
        ({"offsets": "7x"}, '"7x" er ikke en tidsangivelse'),
        ({"offsets": "90d"}, "uden for rækkevidde"),
        ({"offsets": "1d, 24h"}, "to gange"),
        ({"monthly_time": "25:00"}, "ikke et klokkeslæt"),
    ):
        refused = await emu.run_command(server.organiser, channel, "settings reminders", options=options, locale="da")
        assert refused.ephemeral and expected in refused.content, refused.content
    refused = await emu.run_command(
        server.organiser, channel, "settings network", options={"timezone": "Europe/Moen"}, locale="en-US"
    )
    assert '"Europe/Moen" is not a time zone' in refused.content
    refused = await emu.run_command(server.organiser, channel, "settings network", locale="en-US")
    assert "at least one" in refused.content
    refused = await emu.run_command(
        server.organiser, channel, "settings reset", options={"key": "network.name"}, locale="en-US"
    )
    assert "was not changed in Discord" in refused.content
    assert bot.config == bot.file_config
    assert not await audit_lines(server, running)


async def test_network_changes_reach_the_next_meeting_and_reset_restores_the_file(
    server: Server, running: RunningBot
) -> None:
    bot = await running.start()
    emu, channel = server.emu, server.announcements
    await emu.run_command(
        server.organiser,
        channel,
        "settings network",
        options={"venue": "Stege Bibliotek", "start": "18.00", "language": "en", "name": "Møn Erhverv"},
    )
    post = await create_meeting(server)
    assert "Stege Bibliotek" in str(post.embeds[0])
    assert post.embeds[0]["description"].startswith("<t:1796144400:F>")  # 1 December 18:00 in Copenhagen
    assert bot.config.network.language == "en"
    (line,) = [
        line for line in await audit_lines(server, running) if "Usual venue" in line
    ]  # public posts are English now
    assert "Møn Bibliotek → Stege Bibliotek" in line
    await emu.run_command(server.organiser, channel, "settings reset", options={"key": "network.default_venue"})
    assert bot.config.network.default_venue == "Møn Bibliotek"
    assert bot.settings.changed_in_discord(SettingKey.VENUE) is None
    assert bot.settings.changed_in_discord(SettingKey.LANGUAGE) is not None


async def test_a_new_monthly_day_moves_the_monthly_post(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    await settle_bot(bot)

    async def pending_monthly() -> list[tuple[str, datetime]]:
        unfinished = await rounds.unfinished(bot.db, server.guild.id)
        return [(row.subject, row.due_at) for row in unfinished if row.kind is RoundKind.MONTHLY]

    assert await pending_monthly() == [("2026-12", datetime(2026, 12, 1, 8, 0, tzinfo=UTC))]
    await server.emu.run_command(
        server.organiser,
        server.announcements,
        "settings reminders",
        options={"monthly_day": 3, "monthly_time": "07:30"},
    )
    assert await pending_monthly() == [("2026-12", datetime(2026, 12, 3, 6, 30, tzinfo=UTC))]
    server.clock.now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    await server.emu.run_command(
        server.organiser, server.announcements, "settings reminders", options={"monthly_day": 1}
    )
    assert await pending_monthly() == [("2027-01", datetime(2027, 1, 1, 6, 30, tzinfo=UTC))]


async def test_a_chosen_channel_deleted_while_the_bot_was_down_falls_back_to_the_file(
    server: Server, running: RunningBot
) -> None:
    await running.start()
    anne = await admin(server)
    moder = server.guild.add_text_channel("møder")
    await server.emu.run_command(anne, server.announcements, "settings channels", options={"announcements": moder.id})
    await running.stop()
    del server.guild.channels[moder.id]
    bot = await running.start()
    await settle_bot(bot)
    assert bot.config.discord.announcements_channel_id == server.announcements.id
    assert bot.settings.changed_in_discord(SettingKey.ANNOUNCEMENTS_CHANNEL) is None
    notices = [m.content for m in server.emu.channel_messages(server.organisers_channel)]
    assert any("ikke findes længere" in notice and f"<#{moder.id}>" in notice for notice in notices)


async def test_check_lists_what_was_changed_in_discord(
    server: Server, running: RunningBot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await running.start()
    await server.emu.run_command(
        server.organiser, server.announcements, "settings reminders", options={"offsets": "3d, 2h"}
    )
    monkeypatch.setenv("DISCORD_TOKEN", "MTA.fake.token")
    assert run_check(server.config) == 0
    out = capsys.readouterr().out
    assert "changed in Discord with /settings" in out and "reminders.offsets = '3d, 2h'" in out
