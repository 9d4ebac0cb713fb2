"""Guests: a member brings people from outside the network; they take seats and show as "+2 guests".

The Bring a guest button on the announcement, the member's list with add and remove buttons, and the form are all
here, each button with its handler. What changes on the post is asked for with ``announcement_outdated``.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import discord

from bot.client import MikroVirkBot
from bot.errors import UserFacingError
from bot.exports import meetings_ics
from bot.i18n import msgkey
from bot.meetings import Meeting, Window, closed_reason
from bot.render import clip, guest_list, plain
from bot.rsvp import GUESTS_PER_MEMBER_MAX
from cogs._interactions import IdButton, MemberForm, answers_errors, clean_text
from db import meetings, rsvps

log = logging.getLogger(__name__)

# A guest's name and business fit an embed line and a CSV cell.
GUEST_NAME_MAX = 80
GUEST_BUSINESS_MAX = 100
BUTTON_LABEL_MAX = 80  # Discord's limit for a button's label


async def open_meeting(bot: MikroVirkBot, meeting_id: int) -> Meeting:
    """The meeting, if members may still change their answers for it."""
    meeting = await meetings.get_meeting(bot.db, bot.config.discord.guild_id, meeting_id)
    refusal = closed_reason(meeting, bot.clock(), Window.BEFORE_START)
    if refusal is not None:
        raise UserFacingError(refusal)
    assert meeting is not None
    return meeting


def guest_modal(interaction: discord.Interaction[MikroVirkBot], meeting_id: int) -> GuestModal:
    bot = interaction.client
    language = bot.language_of(interaction)
    text = bot.catalogue.text
    return GuestModal(
        meeting_id,
        interaction.user.id,
        text(language, "guests.modal_title"),
        text(language, "guests.name_label"),
        text(language, "guests.business_label"),
    )


async def guest_panel(
    interaction: discord.Interaction[MikroVirkBot], meeting_id: int, notice: str | None
) -> tuple[str, discord.ui.View]:
    """The member's own guests with a remove button each and an add button, under ``notice``. A list longer than the
    cap (from before it was lowered) has buttons for its first guests; removing them brings the rest."""
    bot = interaction.client
    language = bot.language_of(interaction)
    guests = await rsvps.guests_of(bot.db, meeting_id, interaction.user.id)
    view = discord.ui.View(timeout=None)
    view.add_item(AddGuestButton(meeting_id, bot.catalogue.text(language, "guests.add_button")))
    for guest in guests[:GUESTS_PER_MEMBER_MAX]:
        label = clip(bot.catalogue.text(language, "guests.remove_button", name=guest.name), BUTTON_LABEL_MAX)
        view.add_item(RemoveGuestButton(guest.id, label))
    return guest_list(guests, notice, language, bot.catalogue), view


async def show_guests(
    interaction: discord.Interaction[MikroVirkBot], meeting_id: int, notice: str | None = None
) -> None:
    content, view = await guest_panel(interaction, meeting_id, notice)
    await interaction.response.send_message(
        content, view=view, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
    )


async def refuse_past_the_cap(bot: MikroVirkBot, meeting_id: int, user_id: int) -> None:
    """Before the form opens: a member whose list is full is told so (the save checks again)."""
    most = bot.config.meetings.max_guests_per_member
    if len(await rsvps.guests_of(bot.db, meeting_id, user_id)) >= most:
        raise UserFacingError("guests.too_many", limit=most)


class GuestsButton(IdButton, template=r"mv:guests:(?P<meeting_id>\d+)"):
    """On the announcement: the first guest goes straight to the form, later ones see their list first."""

    def __init__(self, meeting_id: int, label: str = "") -> None:
        super().__init__(f"mv:guests:{meeting_id}", label, emoji="➕")
        self.meeting_id = meeting_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        bot = interaction.client
        await open_meeting(bot, self.meeting_id)
        if not await rsvps.guests_of(bot.db, self.meeting_id, interaction.user.id):
            await interaction.response.send_modal(guest_modal(interaction, self.meeting_id))
            return
        await show_guests(interaction, self.meeting_id)


class AddGuestButton(IdButton, template=r"mv:guest-add:(?P<meeting_id>\d+)"):
    def __init__(self, meeting_id: int, label: str = "") -> None:
        super().__init__(f"mv:guest-add:{meeting_id}", label, emoji="➕", style=discord.ButtonStyle.primary)
        self.meeting_id = meeting_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        bot = interaction.client
        await open_meeting(bot, self.meeting_id)
        await refuse_past_the_cap(bot, self.meeting_id, interaction.user.id)
        await interaction.response.send_modal(guest_modal(interaction, self.meeting_id))


class RemoveGuestButton(IdButton, template=r"mv:guest-del:(?P<guest_id>\d+)"):
    def __init__(self, guest_id: int, label: str = "") -> None:
        super().__init__(f"mv:guest-del:{guest_id}", label, emoji="✖️", style=discord.ButtonStyle.danger)
        self.guest_id = guest_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        bot = interaction.client
        language = bot.language_of(interaction)
        listed = await rsvps.guest_of(bot.db, self.guest_id, interaction.user.id)
        if listed is None:
            raise UserFacingError("guests.not_yours")
        await open_meeting(bot, listed.meeting_id)  # a guest list is what happened once the meeting began
        guest, promoted = await rsvps.remove_guest(bot.db, self.guest_id, interaction.user.id, bot.clock())
        if guest is None:
            raise UserFacingError("guests.not_yours")
        log.info("guest removed", extra={"meeting_id": guest.meeting_id, "user_id": interaction.user.id})
        bot.dispatch("announcement_outdated", guest.meeting_id)
        if promoted:
            bot.dispatch("members_promoted", guest.meeting_id)
        content, view = await guest_panel(
            interaction, guest.meeting_id, bot.catalogue.text(language, "guests.removed", name=plain(guest.name))
        )
        await interaction.response.edit_message(
            content=content, view=view, allowed_mentions=discord.AllowedMentions.none()
        )


class GuestModal(MemberForm):
    """Name and (optionally) business of a guest a member brings."""

    def __init__(self, meeting_id: int, opened_by: int, title: str, name_label: str, business_label: str) -> None:
        super().__init__(opened_by, title=title, timeout=900)
        self.meeting_id = meeting_id
        # Each input sits in a Label (type 18): a text input directly in an action row is deprecated in modals.
        self.guest_name: discord.ui.TextInput[GuestModal] = discord.ui.TextInput(
            custom_id="name", max_length=GUEST_NAME_MAX, required=True
        )
        self.business: discord.ui.TextInput[GuestModal] = discord.ui.TextInput(
            custom_id="business", max_length=GUEST_BUSINESS_MAX, required=False
        )
        self.add_item(discord.ui.Label(text=name_label[:45], component=self.guest_name))
        self.add_item(discord.ui.Label(text=business_label[:45], component=self.business))

    @answers_errors
    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        bot: MikroVirkBot = interaction.client
        language = bot.language_of(interaction)
        await open_meeting(bot, self.meeting_id)
        name = clean_text(self.guest_name.value, GUEST_NAME_MAX, bot.catalogue.text(language, "guests.name_label"))
        assert name is not None
        business = self.business.value or ""
        company = (
            clean_text(business, GUEST_BUSINESS_MAX, bot.catalogue.text(language, "guests.business_label"))
            if business.strip()
            else None
        )
        most = bot.config.meetings.max_guests_per_member
        try:
            async with bot.locks(self.meeting_id):
                await rsvps.add_guest(
                    bot.db, self.meeting_id, interaction.user.id, name, company, bot.clock(), most=most
                )
        except rsvps.MeetingFull:
            raise UserFacingError("guests.full") from None
        except rsvps.TooManyGuests:
            raise UserFacingError("guests.too_many", limit=most) from None
        except rsvps.GuestListed as listed:
            already = bot.catalogue.text(language, "guests.already_added", name=plain(listed.guest.name))
            await show_guests(interaction, self.meeting_id, already)
            return
        log.info("guest added", extra={"meeting_id": self.meeting_id, "user_id": interaction.user.id})
        bot.dispatch("announcement_outdated", self.meeting_id)
        await show_guests(interaction, self.meeting_id, bot.catalogue.text(language, "guests.added", name=plain(name)))


class CalendarButton(IdButton, template=r"mv:ics:(?P<meeting_id>\d+)"):
    """On the announcement: the meeting as an .ics file for the member's own calendar."""

    def __init__(self, meeting_id: int, label: str = "") -> None:
        super().__init__(f"mv:ics:{meeting_id}", label, emoji="📅")
        self.meeting_id = meeting_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[MikroVirkBot]) -> None:
        bot = interaction.client
        meeting = await meetings.get_meeting(bot.db, bot.config.discord.guild_id, self.meeting_id)
        if meeting is None:
            raise UserFacingError("meeting.errors.gone")
        filename = f"mikrovirk-{meeting.local_start:%Y-%m-%d}.ics"
        await send_calendar(interaction, [meeting], filename, msgkey("meeting.calendar.one"))


async def send_calendar(
    interaction: discord.Interaction[MikroVirkBot], coming: list[Meeting], filename: str, key: str
) -> None:
    """Meetings as one .ics file, privately, with the text of catalogue ``key``."""
    bot = interaction.client
    language = bot.language_of(interaction)
    data = meetings_ics(coming, bot.config.network.name, language, bot.catalogue, bot.clock())
    await interaction.response.send_message(
        bot.catalogue.text(language, key, count=len(coming)),
        file=discord.File(io.BytesIO(data), filename=filename),
        ephemeral=True,
    )
