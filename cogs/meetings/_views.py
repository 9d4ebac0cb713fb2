"""Buttons and modals of the meetings feature.

Buttons on announcements are ``DynamicItem``s whose custom id carries the meeting (``mv:ics:42``), so they keep
working after a restart without any per-message state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import discord

from cogs._interactions import IdButton, answers_errors

if TYPE_CHECKING:
    from bot.client import MikroVirkBot
    from cogs.meetings._cog import Meetings

# Modal field limits: a guest's name and business fit an embed line and a CSV cell.
GUEST_NAME_MAX = 80
GUEST_BUSINESS_MAX = 100


def meetings_cog(interaction: discord.Interaction[Any]) -> Meetings:
    bot: MikroVirkBot = interaction.client
    return cast("Meetings", bot.get_cog("Meetings"))


class CalendarButton(IdButton, template=r"mv:ics:(?P<meeting_id>\d+)"):
    def __init__(self, meeting_id: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label, emoji="📅", style=discord.ButtonStyle.secondary, custom_id=f"mv:ics:{meeting_id}"
            )
        )
        self.meeting_id = meeting_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await meetings_cog(interaction).send_calendar_entry(interaction, self.meeting_id)


class GuestsButton(IdButton, template=r"mv:guests:(?P<meeting_id>\d+)"):
    def __init__(self, meeting_id: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label, emoji="➕", style=discord.ButtonStyle.secondary, custom_id=f"mv:guests:{meeting_id}"
            )
        )
        self.meeting_id = meeting_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await meetings_cog(interaction).open_guests(interaction, self.meeting_id)


class AddGuestButton(IdButton, template=r"mv:guest-add:(?P<meeting_id>\d+)"):
    def __init__(self, meeting_id: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label, emoji="➕", style=discord.ButtonStyle.primary, custom_id=f"mv:guest-add:{meeting_id}"
            )
        )
        self.meeting_id = meeting_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await meetings_cog(interaction).ask_for_guest(interaction, self.meeting_id)


class RemoveGuestButton(IdButton, template=r"mv:guest-del:(?P<guest_id>\d+)"):
    def __init__(self, guest_id: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label, emoji="✖️", style=discord.ButtonStyle.danger, custom_id=f"mv:guest-del:{guest_id}"
            )
        )
        self.guest_id = guest_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await meetings_cog(interaction).remove_guest(interaction, self.guest_id)


class StillComingButton(IdButton, template=r"mv:still:(?P<meeting_id>\d+):(?P<answer>yes|no)"):
    """The answer to "Still coming?" in a DM: yes keeps the seat, no frees it for the waiting list at once."""

    def __init__(self, meeting_id: int, answer: str, label: str = "") -> None:
        yes = answer == "yes"
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji="👍" if yes else "🚫",
                style=discord.ButtonStyle.success if yes else discord.ButtonStyle.secondary,
                custom_id=f"mv:still:{meeting_id}:{answer}",
            )
        )
        self.meeting_id = meeting_id
        self.answer = answer

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await meetings_cog(interaction).still_coming.answered(interaction, self.meeting_id, self.answer == "yes")


class CheckInButton(IdButton, template=r"mv:in:(?P<meeting_id>\d+)"):
    """Shown on the announcement from an hour before a meeting until it ends."""

    def __init__(self, meeting_id: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label, emoji="📍", style=discord.ButtonStyle.success, custom_id=f"mv:in:{meeting_id}"
            )
        )
        self.meeting_id = meeting_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await meetings_cog(interaction).check_in(interaction, self.meeting_id)


class GuestModal(discord.ui.Modal):
    """Name and (optionally) business of a guest a member brings."""

    def __init__(self, meeting_id: int, title: str, name_label: str, business_label: str) -> None:
        super().__init__(title=title[:45], custom_id=f"mv:guest-modal:{meeting_id}", timeout=900)
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
        await meetings_cog(interaction).add_guest(
            interaction, self.meeting_id, self.guest_name.value, self.business.value or None
        )


class PlanConfirmation(discord.ui.View):
    """Confirm or drop a previewed season; only the organiser who planned it can press the buttons."""

    def __init__(self, organiser_id: int, confirm_label: str, cancel_label: str, on_confirm: Any) -> None:
        super().__init__(timeout=600)
        self.organiser_id = organiser_id
        self._on_confirm = on_confirm
        self.confirm.label = confirm_label
        self.drop.label = cancel_label

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return interaction.user.id == self.organiser_id

    @discord.ui.button(style=discord.ButtonStyle.success, emoji="✅")
    @answers_errors
    async def confirm(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.stop()
        await self._on_confirm(interaction)

    @discord.ui.button(style=discord.ButtonStyle.secondary, emoji="✖️")
    @answers_errors
    async def drop(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.stop()
        bot: MikroVirkBot = interaction.client
        await interaction.response.edit_message(content=bot.text_for(interaction, "plan.dropped"), view=None)


DYNAMIC_ITEMS = (CalendarButton, GuestsButton, AddGuestButton, RemoveGuestButton, StillComingButton, CheckInButton)
