"""Organisers decide the program: /program show lists volunteers fairest first, assign and unassign confirm slots."""

from __future__ import annotations

import logging

import discord

from bot.client import MikroVirkBot
from bot.config import Language
from bot.errors import UserFacingError
from bot.i18n import Catalogue
from bot.meetings import Meeting
from bot.program import KIND_KEYS, SlotKind, SlotStatus, Volunteer, fairness_order, volunteer_refusal
from bot.render import EMBED_DESCRIPTION_MAX, clip, local_date, meeting_label, plain
from bot.rounds import Outcome, Round, RoundKind
from bot.services.dm import DmMessage
from cogs._rounds import MeetingRound, arm_open
from cogs.program._brief import BriefButton
from db import program
from db.rounds import notice_about

log = logging.getLogger(__name__)


def _volunteer_line(volunteer: Volunteer, language: Language, catalogue: Catalogue) -> str:
    mark = "✅" if volunteer.status is SlotStatus.CONFIRMED else "▫️"
    last = (
        catalogue.text(language, "program.last_slot", date=local_date(volunteer.last_slot_at, language))
        if volunteer.last_slot_at
        else catalogue.text(language, "program.never_had_slot")
    )
    topic = f" — {plain(volunteer.topic)}" if volunteer.topic else ""
    return f"{mark} **{plain(volunteer.name)}** · {catalogue.text(language, KIND_KEYS[volunteer.kind])}{topic} · {last}"


async def show(interaction: discord.Interaction[MikroVirkBot], meeting: Meeting) -> None:
    bot = interaction.client
    language = bot.language_of(interaction)
    signups = fairness_order(await program.volunteers(bot.db, meeting.id))
    lines = [_volunteer_line(volunteer, language, bot.catalogue) for volunteer in signups]
    embed = discord.Embed(
        title=bot.catalogue.text(language, "program.show_title", title=meeting_label(meeting, language, bot.catalogue)),
        description=(
            clip("\n".join(lines), EMBED_DESCRIPTION_MAX)
            if lines
            else bot.catalogue.text(language, "program.no_volunteers")
        ),
    )
    embed.set_footer(text=bot.catalogue.text(language, "program.show_footer"))
    await interaction.response.send_message(
        embed=embed, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
    )


async def assign(
    interaction: discord.Interaction[MikroVirkBot], meeting: Meeting, kind: SlotKind, member: discord.Member
) -> None:
    """Confirm ``member`` in a slot; the announcement shows it and the member hears of it by DM."""
    bot = interaction.client
    text = bot.catalogue.text
    refusal = volunteer_refusal(meeting, kind, bot.clock())
    if refusal is not None:
        raise UserFacingError(refusal)
    intro_slots = bot.config.program.intro_slots
    try:
        await program.assign(bot.db, meeting.id, member.id, kind, intro_slots, member.display_name, bot.clock())
    except program.SlotTaken:
        raise UserFacingError("program.errors.slot_taken") from None
    log.info(
        "slot assigned",
        extra={"meeting_id": meeting.id, "user_id": member.id, "kind": kind, "by": interaction.user.id},
    )
    # Before the answer, which may fail: the member hears of it by a round written with the assignment.
    bot.dispatch("announcement_outdated", meeting.id)
    await arm_open(bot, meeting.id, RoundKind.ASSIGNED)
    language = bot.language_of(interaction)
    await interaction.response.send_message(
        text(
            language,
            "program.assigned",
            name=plain(member.display_name),
            kind=text(language, KIND_KEYS[kind]),
            title=meeting_label(meeting, language, bot.catalogue),
        ),
        ephemeral=True,
        allowed_mentions=discord.AllowedMentions.none(),
    )


class AssignedNotice(MeetingRound):
    """The member confirmed in a slot hears it by DM (db.program.assign writes the round with the assignment)."""

    kind = RoundKind.ASSIGNED

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        slot = await program.slot(self.bot.db, int(notice_about(row)))
        if slot is None:
            return Outcome.skipped("the member was erased since")
        if slot.status is not SlotStatus.CONFIRMED:
            return Outcome.skipped("the slot was taken back since")
        text = self.bot.catalogue.text

        def compose(user_id: int, language: Language) -> DmMessage:
            content = text(
                language,
                "program.assigned_dm",
                kind=text(language, KIND_KEYS[slot.kind]),
                title=meeting_label(meeting, language, self.bot.catalogue),
                topic=plain(slot.topic or "—"),
            )
            if slot.kind is not SlotKind.HOT_SEAT:
                return DmMessage(content)
            # The hot seat is asked for a brief at once; the button works from the DM at any later time.
            brief_view = discord.ui.View(timeout=None)
            brief_view.add_item(BriefButton(meeting.id, text(language, "brief.button")))
            return DmMessage(content + "\n" + text(language, "brief.invite"), view=brief_view)

        await self.bot.dm.deliver(row.id, compose)
        return Outcome.sent()


async def unassign(interaction: discord.Interaction[MikroVirkBot], meeting: Meeting, member: discord.Member) -> None:
    """Take ``member`` out of a confirmed slot; they stay a volunteer."""
    bot = interaction.client
    before = await program.unassign(bot.db, meeting.id, member.id, bot.clock())
    if before is None:
        raise UserFacingError("program.errors.not_assigned")
    bot.dispatch("announcement_outdated", meeting.id)
    language = bot.language_of(interaction)
    await interaction.response.send_message(
        bot.catalogue.text(
            language,
            "program.unassigned",
            name=plain(member.display_name),
            title=meeting_label(meeting, language, bot.catalogue),
        ),
        ephemeral=True,
        allowed_mentions=discord.AllowedMentions.none(),
    )
