"""What members ask of the meetings privately: the next meeting with their own answer, and the coming ones."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import discord

from bot.client import MikroVirkBot
from bot.i18n import msgkey
from bot.meetings import Meeting
from bot.render import EMBED_DESCRIPTION_MAX, clip, meeting_card, meeting_label
from bot.rsvp import RsvpState, emoji_for_state
from cogs._embeds import BRAND_COLOUR, card_embed
from db import meetings, rsvps

STATE_LABEL_KEYS = {
    None: msgkey("meeting.your_answer_none"),
    RsvpState.GOING: msgkey("meeting.your_answer_going"),
    RsvpState.MAYBE: msgkey("meeting.your_answer_maybe"),
    RsvpState.NOT_GOING: msgkey("meeting.your_answer_not_going"),
    RsvpState.WAITING: msgkey("meeting.your_answer_waiting"),
}
# A phone screen's worth of coming meetings.
LISTED_MEETINGS = 12


@dataclass(frozen=True, slots=True)
class _Read:
    """What one read of the database found, and when."""

    number: int  # reads started before it, plus one
    commits: int  # the database's commit count when it started
    found: tuple[Meeting, dict[int, RsvpState]] | None


class NextMeetingAnswers:
    """The next meeting and every member's answer to it, read again only once the database has changed.

    ``/meeting next`` is the command members run most, many at once after an announcement. Each read is a round
    trip to the database's thread, queued behind every other; between two writes the answer cannot change, so one
    read serves every command until the next commit (or until the meeting starts).
    """

    def __init__(self, bot: MikroVirkBot) -> None:
        self._bot = bot
        self._latest: _Read | None = None
        self._started = 0
        self._reading = asyncio.Lock()

    async def for_member(self, user_id: int) -> tuple[Meeting, RsvpState | None] | None:
        """The next meeting and the member's answer to it (None: no answer yet); None when none is planned."""
        asked = self._started
        async with self._reading:  # while one command reads, the others wait for its result instead of reading too
            latest = self._latest
            # A read that started after this command asked is as fresh as one of its own would be.
            if latest is None or (latest.number <= asked and not self._current(latest)):
                latest = await self._read()
        if latest.found is None:
            return None
        meeting, answers = latest.found
        return meeting, answers.get(user_id)

    def _current(self, read: _Read) -> bool:
        if read.commits != self._bot.db.commits:
            return False
        return read.found is None or read.found[0].starts_at > self._bot.clock()

    async def _read(self) -> _Read:
        self._started += 1
        number, commits = self._started, self._bot.db.commits
        found = await meetings.next_meeting_and_answers(
            self._bot.db, self._bot.config.discord.guild_id, self._bot.clock()
        )
        self._latest = _Read(number, commits, found)
        return self._latest


async def next_meeting(interaction: discord.Interaction[MikroVirkBot], answers: NextMeetingAnswers) -> None:
    bot = interaction.client
    language = bot.language_of(interaction)
    found = await answers.for_member(interaction.user.id)
    if found is None:
        await interaction.response.send_message(bot.catalogue.text(language, "meeting.next.none"), ephemeral=True)
        return
    meeting, state = found
    lines = [
        bot.catalogue.text(language, "meeting.next.heading"),
        bot.catalogue.text(language, STATE_LABEL_KEYS[state]),
    ]
    url = meeting.announcement_url
    if url:
        lines.append(bot.catalogue.text(language, "meeting.answer_on_post", url=url))
    card = meeting_card(meeting, language, bot.catalogue)
    await interaction.response.send_message("\n".join(lines), embed=card_embed(card), ephemeral=True)


async def list_meetings(interaction: discord.Interaction[MikroVirkBot]) -> None:
    bot = interaction.client
    language = bot.language_of(interaction)
    coming = await meetings.coming_meetings(bot.db, bot.config.discord.guild_id, bot.clock(), limit=LISTED_MEETINGS)
    if not coming:
        await interaction.response.send_message(bot.catalogue.text(language, "meeting.next.none"), ephemeral=True)
        return
    lines = []
    for meeting in coming:
        state = await rsvps.state_of(bot.db, meeting.id, interaction.user.id)
        answer = emoji_for_state(state) if state else "▫️"
        url = meeting.announcement_url
        label = meeting_label(meeting, language, bot.catalogue)
        lines.append(f"{answer} [{label}]({url})" if url else f"{answer} {label}")
    embed = discord.Embed(
        title=bot.catalogue.text(language, "meeting.list.title"),
        description=clip("\n".join(lines), EMBED_DESCRIPTION_MAX),
        colour=BRAND_COLOUR,
    )
    embed.set_footer(text=bot.catalogue.text(language, "meeting.list.footer"))
    await interaction.response.send_message(embed=embed, ephemeral=True)
