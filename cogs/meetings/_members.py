"""What members ask of the meetings privately: the next meeting with their own answer, and the coming ones."""

from __future__ import annotations

import discord

from bot.client import MikroVirkBot
from bot.i18n import msgkey
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


async def next_meeting(interaction: discord.Interaction[MikroVirkBot]) -> None:
    bot = interaction.client
    language = bot.language_of(interaction)
    meeting = await meetings.next_meeting(bot.db, bot.config.discord.guild_id, bot.clock())
    if meeting is None:
        await interaction.response.send_message(bot.catalogue.text(language, "meeting.next.none"), ephemeral=True)
        return
    state = await rsvps.state_of(bot.db, meeting.id, interaction.user.id)
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
