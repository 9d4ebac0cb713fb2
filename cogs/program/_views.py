"""Buttons of the program feature (persistent: the custom id carries the meeting)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import discord

from cogs._interactions import IdButton, answers_errors

if TYPE_CHECKING:
    from bot.client import MikroVirkBot
    from cogs.program._cog import Program


def program_cog(interaction: discord.Interaction[Any]) -> Program:
    bot: MikroVirkBot = interaction.client
    return cast("Program", bot.get_cog("Program"))


class WithdrawButton(IdButton, template=r"mv:hs-withdraw:(?P<meeting_id>\d+)"):
    def __init__(self, meeting_id: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label, emoji="↩️", style=discord.ButtonStyle.secondary, custom_id=f"mv:hs-withdraw:{meeting_id}"
            )
        )
        self.meeting_id = meeting_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await program_cog(interaction).withdraw(interaction, self.meeting_id)


class IntroAnswerButton(IdButton, template=r"mv:intro:(?P<meeting_id>\d+):(?P<answer>yes|no)"):
    """A newcomer's answer to the invitation to present: persistent, so it works after a restart."""

    def __init__(self, meeting_id: int, answer: str, label: str = "") -> None:
        yes = answer == "yes"
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji="🎤" if yes else "🙅",
                style=discord.ButtonStyle.success if yes else discord.ButtonStyle.secondary,
                custom_id=f"mv:intro:{meeting_id}:{answer}",
            )
        )
        self.meeting_id = meeting_id
        self.answer = answer

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await program_cog(interaction).newcomers.answered(interaction, self.meeting_id, self.answer == "yes")


class BriefButton(IdButton, template=r"mv:brief:(?P<meeting_id>\d+)"):
    """Opens the form for the hot-seat brief; works from the confirmation DM at any later time."""

    def __init__(self, meeting_id: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label, emoji="📝", style=discord.ButtonStyle.primary, custom_id=f"mv:brief:{meeting_id}"
            )
        )
        self.meeting_id = meeting_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await program_cog(interaction).briefs.open_form(interaction, self.meeting_id)


class BriefModal(discord.ui.Modal):
    def __init__(self, meeting_id: int, title: str, label: str, placeholder: str, current: str | None) -> None:
        super().__init__(title=title[:45], custom_id=f"mv:brief-modal:{meeting_id}", timeout=1800)
        self.meeting_id = meeting_id
        # The input sits in a Label (type 18): a text input directly in an action row is deprecated in modals.
        self.brief: discord.ui.TextInput[BriefModal] = discord.ui.TextInput(
            custom_id="brief",
            style=discord.TextStyle.paragraph,
            max_length=BRIEF_MAX,
            placeholder=placeholder[:100],
            default=current,
            required=True,
        )
        self.add_item(discord.ui.Label(text=label[:45], component=self.brief))

    @answers_errors
    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await program_cog(interaction).briefs.save(interaction, self.meeting_id, self.brief.value)


# A brief fits one Discord message with room to spare, and can be read in a minute.
BRIEF_MAX = 600

DYNAMIC_ITEMS = (WithdrawButton, IntroAnswerButton, BriefButton)
