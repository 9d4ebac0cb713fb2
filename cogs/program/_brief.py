"""The hot-seat brief: the confirmed member describes the challenge; before the meeting it goes into a thread under
the announcement so attendees can think ahead, and the same thread collects advice afterwards."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import discord

from bot.client import MikroVirkBot
from bot.config import Language
from bot.errors import UserFacingError
from bot.i18n import Catalogue, msgkey
from bot.meetings import Meeting, MeetingFormat, Window, closed_reason
from bot.program import SlotKind, SlotStatus
from bot.render import clip, plain
from bot.rounds import Outcome, Round, RoundKind, RoundState
from bot.services.once import round_post
from cogs._interactions import IdButton, MemberForm, answers_errors, clean_text
from cogs._rounds import MeetingRound
from db import meetings, program, rounds

log = logging.getLogger(__name__)

# A brief fits one Discord message with room to spare, and can be read in a minute.
BRIEF_MAX = 600
THREAD_NAME_MAX = 100  # Discord's limit for a thread name


async def _coming_meeting(bot: MikroVirkBot, meeting_id: int) -> Meeting:
    """The meeting, if it has not begun; a brief for a cancelled or begun meeting is refused."""
    meeting = await meetings.get_meeting(bot.db, bot.config.discord.guild_id, meeting_id)
    refusal = closed_reason(meeting, bot.clock(), Window.BEFORE_START)
    if refusal is not None:
        raise UserFacingError(refusal)
    assert meeting is not None  # closed_reason refuses a missing meeting
    return meeting


class BriefButton(IdButton, template=r"mv:brief:(?P<meeting_id>\d+)"):
    """Opens the form for the hot-seat brief; works from the confirmation DM at any later time."""

    def __init__(self, meeting_id: int, label: str = "") -> None:
        super().__init__(f"mv:brief:{meeting_id}", label, emoji="📝", style=discord.ButtonStyle.primary)
        self.meeting_id = meeting_id

    @answers_errors
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: MikroVirkBot = interaction.client
        await _coming_meeting(bot, self.meeting_id)
        signup = await program.growth_signup(bot.db, self.meeting_id, interaction.user.id)
        if signup is None or signup.kind is not SlotKind.HOT_SEAT or signup.status is not SlotStatus.CONFIRMED:
            raise UserFacingError("brief.errors.not_hot_seat")
        current = await program.hot_seat_brief(bot.db, self.meeting_id)
        mine = current.brief if current and current.user_id == interaction.user.id else None
        await interaction.response.send_modal(
            BriefModal(self.meeting_id, interaction.user.id, bot.language_of(interaction), bot.catalogue, mine)
        )


class BriefModal(MemberForm):
    """The brief itself; saving it after the planned post found none posts it at once."""

    def __init__(
        self, meeting_id: int, opened_by: int, language: Language, catalogue: Catalogue, current: str | None
    ) -> None:
        text = catalogue.text
        super().__init__(opened_by, title=text(language, "brief.modal_title"), timeout=1800)
        self.meeting_id = meeting_id
        # The input sits in a Label (type 18): a text input directly in an action row is deprecated in modals.
        self.brief: discord.ui.TextInput[BriefModal] = discord.ui.TextInput(
            custom_id="brief",
            style=discord.TextStyle.paragraph,
            max_length=BRIEF_MAX,
            placeholder=text(language, "brief.placeholder")[:100],
            default=current,
            required=True,
        )
        self.add_item(discord.ui.Label(text=text(language, "brief.label")[:45], component=self.brief))

    @answers_errors
    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        bot: MikroVirkBot = interaction.client
        meeting = await _coming_meeting(bot, self.meeting_id)
        brief = clean_text(self.brief.value, BRIEF_MAX, bot.text_for(interaction, "brief.label"))
        assert brief is not None
        if not await program.set_brief(bot.db, meeting.id, interaction.user.id, brief, bot.clock()):
            raise UserFacingError("brief.errors.not_hot_seat")
        log.info("brief saved", extra={"meeting_id": meeting.id, "user_id": interaction.user.id})
        history = [row for row in await rounds.for_meeting(bot.db, meeting.id) if row.kind is Briefs.kind]
        moment_passed = any(row.state.finished for row in history)
        key = msgkey("brief.saved_posting") if moment_passed else msgkey("brief.saved")
        await interaction.response.send_message(bot.text_for(interaction, key), ephemeral=True)
        unfinished = any(not row.state.finished for row in history)
        if moment_passed and not any(row.state is RoundState.SENT for row in history) and not unfinished:
            # The planned post found no brief and the meeting is still ahead: a new post of its own, now.
            late = await bot.rounds.add_now(meeting.guild_id, meeting.id, Briefs.kind)
            await bot.rounds.run(late.id)


class Briefs(MeetingRound):
    """Before each 2.0 meeting, the confirmed hot seat's brief goes into a thread under the announcement."""

    kind = RoundKind.HOTSEAT_BRIEF

    def due(self, meeting: Meeting) -> datetime | None:
        if meeting.format is not MeetingFormat.GROWTH:
            return None
        return meeting.starts_at - self.bot.config.program.brief_before

    async def deliver_for(self, row: Round, meeting: Meeting) -> Outcome:
        if row.channel_message_id is not None:
            return Outcome.sent()  # posted before a stop
        others = [
            r for r in await rounds.for_meeting(self.bot.db, meeting.id) if r.kind is self.kind and r.id != row.id
        ]
        if any(other.state is RoundState.SENT for other in others):
            return Outcome.skipped("the brief is posted already")
        brief = await program.hot_seat_brief(self.bot.db, meeting.id)
        if brief is None:
            return Outcome.skipped("no brief written")
        if meeting.announcement_message_id is None:
            return Outcome.skipped("the meeting has no announcement")
        thread = await self._thread(meeting, brief.name, brief.topic)
        if thread is None:
            return Outcome.skipped("the announcements channel is unavailable")
        language = self.bot.config.network.language
        text = self.bot.catalogue.text(
            language,
            "brief.post",
            name=plain(brief.name),
            topic=plain(brief.topic or "—"),
            brief=plain(brief.brief),
        )
        # Member text is shown as written but can never ping anyone.
        await round_post(
            self.bot, row, thread, content=clip(text, 2000), allowed_mentions=discord.AllowedMentions.none()
        )
        log.info("brief posted", extra={"meeting_id": meeting.id, "thread_id": thread.id})
        return Outcome.sent()

    async def _thread(
        self, meeting: Meeting, name: str, topic: str | None
    ) -> discord.Thread | discord.PartialMessageable | None:
        """The thread under the announcement (Discord gives a message's thread the message's id)."""
        assert meeting.announcement_message_id is not None
        language = self.bot.config.network.language
        title = self.bot.catalogue.text(language, "brief.thread_name", name=name, topic=topic or "—")
        channel = self.bot.get_channel(
            meeting.announcement_channel_id or self.bot.config.discord.announcements_channel_id
        )
        if not isinstance(channel, discord.TextChannel):
            return None
        starter = channel.get_partial_message(meeting.announcement_message_id)
        try:
            thread: discord.Thread | discord.PartialMessageable = await starter.create_thread(
                name=clip(title, THREAD_NAME_MAX)
            )
        except discord.HTTPException as error:
            if error.status != 400:
                raise
            thread = self.bot.get_partial_messageable(meeting.announcement_message_id)  # it exists already
        return thread
