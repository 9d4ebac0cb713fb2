"""Newcomers: a welcome when they join, and 3 × 3 minutes to present their business at a 1.0 meeting."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import discord

from bot.client import MikroVirkBot
from bot.config import Language
from bot.errors import UserFacingError
from bot.i18n import msgkey
from bot.meetings import Meeting, MeetingFormat, Window, closed_reason
from bot.program import SlotKind, SlotStatus, intro_refusal, volunteer_refusal
from bot.render import meeting_label
from bot.rounds import DeliveryState, Outcome, RecipientsUnreachedError, Round, RoundKind
from bot.services.dm import DmMessage
from bot.services.once import round_post
from cogs._interactions import IdButton, answers_errors
from cogs._rounds import MeetingRound, RoundHandler, arm_open
from db import meetings, members, privacy, program, rounds, sends

log = logging.getLogger(__name__)


async def record_members(bot: MikroVirkBot, guild: discord.Guild) -> None:
    """At start: join dates of everyone in the server (the members intent delivers them)."""
    people = [m for m in guild.members if not m.bot and m.joined_at is not None]
    # A member erased since they joined stays erased: their join date is not learnt back from Discord.
    erased = await privacy.erased_at(bot.db, guild.id, {m.id for m in people})
    joins = [
        (m.id, m.joined_at, m.display_name)
        for m in people
        if m.joined_at is not None and not (m.id in erased and m.joined_at <= erased[m.id])
    ]
    await members.record_joins(bot.db, guild.id, joins, bot.clock())
    log.info("join dates recorded", extra={"members": len(joins)})


async def welcome(bot: MikroVirkBot, member: discord.Member) -> None:
    """Record the join and the welcome, with the round that sends it (:class:`Welcome`)."""
    guild_id = bot.config.discord.guild_id
    if member.bot or member.guild.id != guild_id:
        return
    now = bot.clock()
    await members.record_joins(bot.db, guild_id, [(member.id, member.joined_at or now, member.display_name)], now)
    round_id = await members.mark_welcomed(bot.db, guild_id, member.id, now)
    row = None if round_id is None else await rounds.get(bot.db, round_id)
    if row is not None:
        bot.rounds.arm(row)


class Welcome(RoundHandler):
    """A newcomer is welcomed by DM, or in the announcements channel if DMs are closed (db.members.mark_welcomed
    writes the round with the welcome, its audience the newcomer)."""

    kind = RoundKind.WELCOME

    async def deliver(self, row: Round) -> Outcome:
        bot = self.bot
        if any(user_id < 0 for user_id, _ in await sends.undelivered(bot.db, row.id)):
            return Outcome.skipped("the member was erased since")
        text = bot.catalogue.text
        language = bot.config.network.language
        upcoming = await meetings.next_meeting(bot.db, row.guild_id, bot.clock())
        next_line = (
            text(language, "welcome.next", title=meeting_label(upcoming, language, bot.catalogue))
            if upcoming
            else text(language, "welcome.no_next")
        )
        network = bot.config.network.name
        # The network is about being seen: the welcome asks for the business profile straight away.
        profile = text(language, "profiles.welcome_invite")
        welcome_dm = text(language, "welcome.dm", network=network, next=next_line)
        try:
            await bot.dm.deliver(row.id, lambda _user_id, _language: DmMessage(f"{welcome_dm}\n\n{profile}"))
        except RecipientsUnreachedError:
            # Discord failed the DM for a moment: the newcomer is greeted in the channel now rather than minutes
            # later (a DM that may have gone out after all stays in doubt, so it is never sent again).
            owed = [user_id for user_id, _ in await sends.undelivered(bot.db, row.id)]
        else:
            owed = []
        unreached = owed + await rounds.recipients(bot.db, row.id, DeliveryState.REFUSED)
        if unreached and row.channel_message_id is None:
            newcomer = discord.Object(unreached[0])
            greeting = text(language, "welcome.channel", mention=f"<@{newcomer.id}>", network=network, next=next_line)
            channel = bot.get_partial_messageable(bot.config.discord.announcements_channel_id, guild_id=row.guild_id)
            await round_post(
                bot,
                row,
                channel,
                content=f"{greeting}\n{profile}",
                allowed_mentions=discord.AllowedMentions(users=[newcomer]),
            )
        log.info("newcomer welcomed", extra={"round_id": row.id, "by_dm": not unreached})
        return Outcome.sent()


async def sign_up(interaction: discord.Interaction[MikroVirkBot], meeting: Meeting | None) -> None:
    """/intro: a newcomer who has not presented takes an intro slot at ``meeting``, by default the next 1.0 one."""
    bot = interaction.client
    now = bot.clock()
    guild_id = bot.config.discord.guild_id
    target = meeting if meeting is not None else await meetings.next_meeting(bot.db, guild_id, now, MeetingFormat.TOOLS)
    if target is None:
        raise UserFacingError("intro.errors.no_tools_meeting")
    await _accept(interaction, target)


async def _refuse_unless_may_present(bot: MikroVirkBot, user_id: int, meeting: Meeting) -> None:
    """Refuse, in the member's language, unless the meeting still takes intros and the member is a newcomer who has
    not presented: checked at every yes, since an invitation's button may be pressed long after it was sent."""
    now = bot.clock()
    refusal = volunteer_refusal(meeting, SlotKind.INTRO, now)
    if refusal is not None:
        raise UserFacingError(refusal)
    guild_id = bot.config.discord.guild_id
    presented = await program.has_presented(bot.db, guild_id, user_id, now)
    joined = await members.joined_at(bot.db, guild_id, user_id)
    newcomer_days = bot.config.program.newcomer_days
    refusal = intro_refusal(joined, presented, now, newcomer_days)
    if refusal is not None:
        raise UserFacingError(refusal, days=newcomer_days)


async def _accept(interaction: discord.Interaction[MikroVirkBot], meeting: Meeting) -> None:
    bot = interaction.client
    await _refuse_unless_may_present(bot, interaction.user.id, meeting)
    config = bot.config.program
    async with bot.locks(meeting.id):
        slot = await program.sign_up_intro(
            bot.db, meeting.id, interaction.user.id, config.intro_slots, interaction.user.display_name, bot.clock()
        )
    language = bot.language_of(interaction)
    title = meeting_label(meeting, language, bot.catalogue)
    key = msgkey("intro.confirmed") if slot.status is SlotStatus.CONFIRMED else msgkey("intro.waiting")
    content = bot.catalogue.text(language, key, title=title, minutes=config.intro_minutes)
    log.info("intro sign-up", extra={"meeting_id": meeting.id, "user_id": interaction.user.id, "status": slot.status})
    if slot.status is SlotStatus.CONFIRMED:
        bot.dispatch("announcement_outdated", meeting.id)
    # Keep a way out: a newcomer who cannot come after all frees the slot for the next one waiting.
    view = discord.ui.View(timeout=None)
    view.add_item(IntroAnswerButton(meeting.id, "no", bot.catalogue.text(language, "intro.cancel")))
    if interaction.message is not None and interaction.guild_id is None:
        await interaction.response.edit_message(content=content, view=view)
    else:
        await interaction.response.send_message(content, view=view, ephemeral=True)


class IntroAnswerButton(IdButton, template=r"mv:intro:(?P<meeting_id>\d+):(?P<answer>yes|no)"):
    """A newcomer's answer to the invitation to present: persistent, so it works after a restart."""

    def __init__(self, meeting_id: int, answer: str, label: str = "") -> None:
        yes = answer == "yes"
        super().__init__(
            f"mv:intro:{meeting_id}:{answer}",
            label,
            emoji="🎤" if yes else "🙅",
            style=discord.ButtonStyle.success if yes else discord.ButtonStyle.secondary,
        )
        self.meeting_id = meeting_id
        self.answer = answer

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: MikroVirkBot = interaction.client
        meeting = await meetings.get_meeting(bot.db, bot.config.discord.guild_id, self.meeting_id)
        refusal = closed_reason(meeting, bot.clock(), Window.BEFORE_START)
        if refusal is not None:
            raise UserFacingError(refusal)
        assert meeting is not None  # closed_reason refuses a missing meeting
        if self.answer == "yes":
            await _accept(interaction, meeting)
            return
        async with bot.locks(meeting.id):
            promoted = await program.decline_intro(bot.db, meeting.id, interaction.user.id, bot.clock())
        if promoted:  # before the answer, which may fail: the newcomer moved up is told by a round
            bot.dispatch("announcement_outdated", meeting.id)
            await arm_open(bot, meeting.id, RoundKind.INTRO_PROMOTED)
        await interaction.response.edit_message(content=bot.text_for(interaction, "intro.declined"), view=None)


class IntroPromotedNotice(MeetingRound):
    """A newcomer moved into a freed intro slot hears it by DM; the round is written with the move
    (db.program.decline_intro)."""

    kind = RoundKind.INTRO_PROMOTED

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        def compose(user_id: int, language: Language) -> DmMessage:
            title = meeting_label(meeting, language, self.bot.catalogue)
            minutes = self.bot.config.program.intro_minutes
            return DmMessage(self.bot.catalogue.text(language, "intro.promoted", title=title, minutes=minutes))

        async def still_presenting(user_id: int) -> bool:
            signup = await program.intro_signup(self.bot.db, meeting.id, user_id)
            return signup is not None and signup.status is SlotStatus.CONFIRMED

        await self.bot.dm.deliver(row.id, compose, still_owed=still_presenting)
        return Outcome.sent()


class IntroInvitations(MeetingRound):
    """Before each 1.0 meeting, newcomers who have not presented are invited by DM with two buttons."""

    kind = RoundKind.INTRO_INVITE

    def due(self, meeting: Meeting) -> datetime | None:
        if meeting.format is not MeetingFormat.TOOLS:
            return None
        return meeting.starts_at - self.bot.config.program.intro_invite_before

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        now = self.bot.clock()
        if not row.audience_fixed:
            since = now - timedelta(days=self.bot.config.program.newcomer_days)
            invitees = await program.newcomers_to_invite(self.bot.db, meeting.id, since, now)
            await rounds.fix_audience(self.bot.db, row.id, invitees, now)

        def compose(user_id: int, language: Language) -> DmMessage:
            view = discord.ui.View(timeout=None)
            view.add_item(IntroAnswerButton(meeting.id, "yes", self.bot.catalogue.text(language, "intro.yes")))
            view.add_item(IntroAnswerButton(meeting.id, "no", self.bot.catalogue.text(language, "intro.no")))
            text = self.bot.catalogue.text(
                language,
                "intro.invitation",
                title=meeting_label(meeting, language, self.bot.catalogue),
                minutes=self.bot.config.program.intro_minutes,
            )
            return DmMessage(text, view=view)

        await self.bot.dm.deliver(row.id, compose)
        return Outcome.sent()
