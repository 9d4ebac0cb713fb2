"""Members volunteer for the hot seat or the brag spot of a 2.0 meeting (/hotseat), and withdraw with a button."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import discord

from bot.checks import member_turn
from bot.client import MikroVirkBot
from bot.config import Language
from bot.errors import UserFacingError
from bot.i18n import msgkey
from bot.limits import MemberCooldown
from bot.meetings import Meeting, MeetingFormat, Window, closed_reason
from bot.program import KIND_KEYS, SlotKind, SlotStatus, volunteer_refusal
from bot.render import meeting_label, plain
from bot.rounds import Outcome, Round, RoundKind
from cogs._interactions import IdButton, answers_errors, clean_text
from cogs._rounds import MeetingRound, arm_open
from cogs.program._brief import BriefButton
from db import meetings, program
from db.rounds import notice_about

log = logging.getLogger(__name__)

TOPIC_MAX = 150  # a one-liner that fits the program line of the announcement
# Each sign-up or change is a notice in the organisers' channel: one member sets off at most one every two minutes.
SIGN_UP_EVERY = timedelta(minutes=2)


async def _next_growth_meeting(bot: MikroVirkBot) -> Meeting | None:
    return await meetings.next_meeting(bot.db, bot.config.discord.guild_id, bot.clock(), MeetingFormat.GROWTH)


async def _refusal_with_next(bot: MikroVirkBot, language: Language, reason: str) -> UserFacingError:
    """A refusal that points to the next 2.0 meeting, or says none is planned."""
    upcoming = await _next_growth_meeting(bot)
    if upcoming is None:
        return UserFacingError(msgkey("program.errors.with_none_planned"), reason=bot.catalogue.text(language, reason))
    return UserFacingError(
        msgkey("program.errors.with_next"),
        reason=bot.catalogue.text(language, reason),
        title=meeting_label(upcoming, language, bot.catalogue),
    )


async def volunteer(
    interaction: discord.Interaction[MikroVirkBot],
    slot: SlotKind,
    topic: str,
    meeting: Meeting | None,
    limit: MemberCooldown,
) -> None:
    """Sign up (or change the sign-up) for ``meeting``, by default the next 2.0 meeting; organisers hear of it, so a
    member signs up or changes at most once per ``limit``."""
    bot = interaction.client
    text = bot.catalogue.text
    language = bot.language_of(interaction)
    one_liner = clean_text(topic, TOPIC_MAX, text(language, "fields.topic"))
    assert one_liner is not None
    target = meeting if meeting is not None else await _next_growth_meeting(bot)
    if target is None:
        raise UserFacingError("program.errors.no_growth_meeting")
    refusal = volunteer_refusal(target, slot, bot.clock())
    if refusal is not None:
        raise await _refusal_with_next(bot, language, refusal)
    name = interaction.user.display_name
    with member_turn(limit, interaction.user.id, bot.clock()):
        before, after = await program.volunteer(
            bot.db, target.id, interaction.user.id, slot, one_liner, name, bot.clock()
        )
    log.info("volunteered", extra={"meeting_id": target.id, "user_id": interaction.user.id, "kind": slot})
    key = msgkey("program.signed_up") if before is None else msgkey("program.changed")
    title = meeting_label(target, language, bot.catalogue)
    content = text(language, key, kind=text(language, KIND_KEYS[after.kind]), title=title, topic=plain(one_liner))
    if after.status is SlotStatus.CONFIRMED:
        content += "\n" + text(language, "program.you_are_confirmed")
    view = discord.ui.View(timeout=None)
    view.add_item(WithdrawButton(target.id, text(language, "program.withdraw_button")))
    if after.status is SlotStatus.CONFIRMED and after.kind is SlotKind.HOT_SEAT:
        view.add_item(BriefButton(target.id, text(language, "brief.button")))
    # Before the answer, which may fail: the organisers hear of it by a round written with the sign-up.
    if after.status is SlotStatus.CONFIRMED:
        bot.dispatch("announcement_outdated", target.id)
    await arm_open(bot, target.id, RoundKind.VOLUNTEERED)
    await interaction.response.send_message(
        content, view=view, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
    )


class WithdrawButton(IdButton, template=r"mv:hs-withdraw:(?P<meeting_id>\d+)"):
    """Takes back the member's hot-seat or brag-spot sign-up; organisers hear of it when it was confirmed."""

    def __init__(self, meeting_id: int, label: str = "") -> None:
        super().__init__(f"mv:hs-withdraw:{meeting_id}", label, emoji="↩️")
        self.meeting_id = meeting_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: MikroVirkBot = interaction.client
        meeting = await meetings.get_meeting(bot.db, bot.config.discord.guild_id, self.meeting_id)
        # Once the meeting began, the slot is history: the fairness order counts it, so it cannot be taken back.
        refusal = closed_reason(meeting, bot.clock(), Window.BEFORE_START)
        if refusal is not None:
            raise UserFacingError(refusal)
        before = await program.withdraw(bot.db, self.meeting_id, interaction.user.id, bot.clock())
        if before is None:
            raise UserFacingError("program.errors.nothing_to_withdraw")
        log.info(
            "withdrew", extra={"meeting_id": self.meeting_id, "user_id": interaction.user.id, "was": before.status}
        )
        if before.status is SlotStatus.CONFIRMED:  # before the answer, which may fail: organisers hear by a round
            bot.dispatch("announcement_outdated", self.meeting_id)
            await arm_open(bot, self.meeting_id, RoundKind.SLOT_WITHDRAWN)
        await interaction.response.edit_message(content=bot.text_for(interaction, "program.withdrawn"), view=None)


class VolunteeredNotice(MeetingRound):
    """Organisers hear of a hot-seat or brag-spot sign-up (or change); the round is written with it
    (db.program.volunteer) and names the slot by its row."""

    kind = RoundKind.VOLUNTEERED
    key = msgkey("program.organiser_notice")

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        slot = await program.slot(self.bot.db, int(notice_about(row)))
        if slot is None:
            return Outcome.skipped("the member was erased since")
        text = self.bot.catalogue.text
        network = self.bot.config.network.language
        await self.tell_organisers(
            row,
            text(
                network,
                self.key,
                name=plain(slot.name),
                kind=text(network, KIND_KEYS[slot.kind]),
                title=meeting_label(meeting, network, self.bot.catalogue),
                topic=plain(slot.topic or "—"),
            ),
        )
        return Outcome.sent()


class WithdrawnNotice(VolunteeredNotice):
    """Organisers hear that a confirmed hot seat or brag spot was given up (db.program.withdraw)."""

    kind = RoundKind.SLOT_WITHDRAWN
    key = msgkey("program.confirmed_withdrew")
