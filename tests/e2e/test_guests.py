"""Guests end to end at their limits: the cap per member, the longest list, a retried form, removing them all."""

from __future__ import annotations

from db import rsvps
from tests.e2e.conftest import RunningBot, Server, settle_bot
from tests.fakediscord import FakeMessage, FakeUser, InteractionResult, iter_components

# The form's limits (cogs.meetings._guests): a guest's name and business at their longest.
NAME_MAX, BUSINESS_MAX = 80, 100
MESSAGE_MAX = 2000  # Discord's limit for a message's content


async def create(server: Server) -> FakeMessage:
    result = await server.emu.run_command(
        server.organiser, server.announcements, "meeting create", options={"date": "1/12", "format": "1.0"}
    )
    assert "Oprettet og annonceret" in result.followups[-1].content, result.followups[-1].content
    return [m for m in server.emu.channel_messages(server.announcements) if m.embeds][-1]


def buttons(panel: InteractionResult, prefix: str) -> list[dict[str, str]]:
    return [c for c in iter_components(panel.components) if c.get("custom_id", "").startswith(prefix)]


async def open_form(server: Server, user: FakeUser, post: FakeMessage) -> InteractionResult:
    """The guest form, from the announcement: straight away for the first guest, through the list for later ones."""
    opened = await server.emu.click(user, post, "mv:guests:1")
    if opened.modal is None and buttons(opened, "mv:guest-add:"):
        opened = await server.emu.click(user, opened.message, "mv:guest-add:1")
    return opened


def long_guest(number: int) -> dict[str, str]:
    return {
        "name": f"{number:02d} " + "Ø" * (NAME_MAX - 3),
        "business": "Virksomhed " + "x" * (BUSINESS_MAX - 11),
    }


def allow_guests(server: Server, cap: int) -> None:
    server.config_path.write_text(
        server.config_path.read_text(encoding="utf-8") + f"\n[meetings]\nmax_guests_per_member = {cap}\n",
        encoding="utf-8",
    )


async def test_a_guest_past_the_cap_is_refused_and_not_saved(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await create(server)
    emu = server.emu
    for name in ("Ole", "Bo"):
        await emu.submit_modal(server.mette, await open_form(server, server.mette, post), {"name": name})
    # Two forms open at once (phone and computer): the first fills the last place, the second is refused.
    first, second = [await open_form(server, server.mette, post) for _ in range(2)]
    assert first.modal is not None and second.modal is not None
    assert "Kim står på listen" in (await emu.submit_modal(server.mette, first, {"name": "Kim"})).content
    refused = await emu.submit_modal(server.mette, second, {"name": "Lise"})
    assert refused.ephemeral and "højst tage 3 med" in refused.content
    panel = await emu.click(server.mette, post, "mv:guests:1")
    assert panel.modal is None and "Lise" not in panel.content
    late = await emu.click(server.mette, panel.message, "mv:guest-add:1")
    assert late.modal is None and "højst tage 3 med" in late.content  # refused before the form opens, too
    assert [g.name for g in await rsvps.guests_of(bot.db, 1, server.mette.id)] == ["Ole", "Bo", "Kim"]

    for name in ("Ann", "Bea", "Cy"):
        await emu.submit_modal(server.john, await open_form(server, server.john, post), {"name": name})
    english = await open_form(server, server.john, post)
    assert english.modal is None and "can bring 3 at most" in english.content  # John uses Discord in English
    await settle_bot(bot)


async def test_the_longest_guest_list_fits_one_message_and_can_be_removed(server: Server, running: RunningBot) -> None:
    allow_guests(server, 20)
    bot = await running.start()
    post = await create(server)
    emu = server.emu
    for number in range(1, 21):
        added = await emu.submit_modal(server.mette, await open_form(server, server.mette, post), long_guest(number))
        assert added.response_type == 4 and added.ephemeral, f"guest {number}: {added!r}"
        assert len(added.content) <= MESSAGE_MAX
        assert f"{number:02d} ØØØ" in added.content
    assert len(await rsvps.guests_of(bot.db, 1, server.mette.id)) == 20

    # The organisers lower the cap: Mette keeps her 20 guests and can remove every one of them.
    server.config_path.write_text(
        server.config_path.read_text(encoding="utf-8").replace(
            "max_guests_per_member = 20", "max_guests_per_member = 3"
        ),
        encoding="utf-8",
    )
    await running.stop()
    bot = await running.start()
    panel = await emu.click(server.mette, post, "mv:guests:1")
    assert len(panel.content) <= MESSAGE_MAX
    removes = buttons(panel, "mv:guest-del:")
    assert len(removes) == 20 and all(len(b["label"]) <= NAME_MAX for b in removes)
    for left in range(19, -1, -1):
        removed = await emu.click(server.mette, panel.message, buttons(panel, "mv:guest-del:")[0]["custom_id"])
        assert "ikke længere på gæstelisten" in removed.content
        assert len(buttons(panel, "mv:guest-del:")) == left  # the list is shown again, one guest shorter
    assert await rsvps.guests_of(bot.db, 1, server.mette.id) == []
    await settle_bot(bot)


async def test_a_form_sent_again_after_a_failed_answer_adds_the_guest_once(server: Server, running: RunningBot) -> None:
    """The guest is saved but Discord refuses the answer; the member, told something went wrong, sends it again."""
    bot = await running.start()
    post = await create(server)
    emu = server.emu
    form = await open_form(server, server.mette, post)
    emu.refuse(
        "POST", r"^/interactions/\d+/[^/]+/callback", times=1, status=400, code=50035, message="Invalid Form Body"
    )
    failed = await emu.submit_modal(server.mette, form, {"name": "Ole", "business": "Oles VVS"})
    assert failed.response_type is not None and "Ole står på listen" not in failed.content
    assert [g.name for g in await rsvps.guests_of(bot.db, 1, server.mette.id)] == ["Ole"]  # saved all the same
    again = await emu.submit_modal(
        server.mette, await open_form(server, server.mette, post), {"name": "ole", "business": "Oles VVS"}
    )
    assert "Ole står allerede på din liste" in again.content
    assert [g.name for g in await rsvps.guests_of(bot.db, 1, server.mette.id)] == ["Ole"]
    await settle_bot(bot)


async def test_a_guest_named_like_a_link_or_heading_is_shown_as_text(server: Server, running: RunningBot) -> None:
    bot = await running.start()
    post = await create(server)
    emu = server.emu
    guest = {"name": "# Ole", "business": "[Pay dues](https://x.example)"}
    added = await emu.submit_modal(server.mette, await open_form(server, server.mette, post), guest)
    shown = "\\# Ole (\\[Pay dues\\](https://x.example))"
    assert added.content.startswith("✅ \\# Ole står på listen") and f"• {shown}" in added.content
    await settle_bot(bot)
    attendees = await emu.run_command(
        server.organiser, server.announcements, "meeting attendees", options={"meeting": "1"}
    )
    guests = next(f["value"] for f in attendees.embeds[0]["fields"] if f["name"].startswith("Gæster"))
    assert guests == "\\# Ole (Mette)"
