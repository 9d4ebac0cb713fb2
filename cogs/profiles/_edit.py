"""A member's own profile: the form (/profile edit), the card (/profile show), removal and the suggestions switch.

The form is one modal of five text inputs, the most Discord allows; the trade is the command's option, picked from
the list while typing (or the member's own words), so the whole profile fits one screen on a phone.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import discord

from bot.client import MikroVirkBot
from bot.config import Language
from bot.errors import UserFacingError
from bot.profiles import (
    BUSINESS_MAX,
    TEXT_MAX,
    TOWN_MAX,
    WEBSITE_MAX,
    Profile,
    as_typed,
    neutralise,
    normal_website,
    profile_card,
)
from bot.render import clip, plain
from cogs._embeds import card_embed
from cogs._interactions import MemberForm, answers_errors, clean_text
from cogs.profiles._trades import Trade
from db import meetings, members, profiles, program, rsvps

log = logging.getLogger(__name__)


class ProfileModal(MemberForm):
    """The business name, what I offer, what I look for, website and town; filled in with the current profile."""

    def __init__(
        self, bot: MikroVirkBot, language: Language, opened_by: int, trade: Trade, current: Profile | None
    ) -> None:
        text = bot.catalogue.text
        super().__init__(opened_by, title=text(language, "profiles.form.title"), timeout=900)
        self.trade = trade

        def field(
            name: str, limit: int, stored: str | None, *, long: bool = False, required: bool = True
        ) -> discord.ui.TextInput[ProfileModal]:
            # Each input sits in a Label (type 18): a text input directly in an action row is deprecated in modals.
            entry: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
                custom_id=name,
                style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
                max_length=limit,
                required=required,
                default=None if stored is None else as_typed(stored),
                placeholder=text(language, f"profiles.form.{name}_hint")[:100],
            )
            self.add_item(discord.ui.Label(text=text(language, f"profiles.form.{name}")[:45], component=entry))
            return entry

        self.business = field("business", BUSINESS_MAX, current.business if current else None)
        self.offer = field("offer", TEXT_MAX, current.offer if current else None, long=True)
        self.looking_for = field("looking_for", TEXT_MAX, current.looking_for if current else None, long=True)
        self.website = field("website", WEBSITE_MAX, current.website if current else None, required=False)
        self.town = field("town", TOWN_MAX, current.town if current else None, required=False)

    @answers_errors
    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        bot: MikroVirkBot = interaction.client
        language = bot.language_of(interaction)

        def typed(entry: discord.ui.TextInput[ProfileModal], limit: int, name: str) -> str | None:
            """What the member typed, trimmed; None for an optional input left empty (a required one is refused)."""
            value = entry.value or ""
            if not value.strip() and not entry.required:
                return None
            return clean_text(value, limit, bot.catalogue.text(language, f"profiles.form.{name}"))

        business = typed(self.business, BUSINESS_MAX, "business")
        offer = typed(self.offer, TEXT_MAX, "offer")
        looking_for = typed(self.looking_for, TEXT_MAX, "looking_for")
        assert business and offer and looking_for  # required inputs: clean_text refuses them blank
        typed_website = typed(self.website, WEBSITE_MAX, "website")
        website = normal_website(typed_website) if typed_website else None
        if typed_website and website is None:
            raise UserFacingError("profiles.errors.bad_website", typed=clip(typed_website, 60))
        town = typed(self.town, TOWN_MAX, "town")
        trade, own_words = self.trade
        profile = Profile(
            user_id=interaction.user.id,
            business=neutralise(business),
            trade=trade,
            trade_other=own_words,
            offer=neutralise(offer),
            looking_for=neutralise(looking_for),
            website=website,
            town=neutralise(town) if town else None,
        )
        guild_id = bot.config.discord.guild_id
        created = await profiles.save(bot.db, guild_id, profile, bot.clock())
        log.info("profile saved", extra={"user_id": interaction.user.id, "new_profile": created})
        await outdate_intros(bot, interaction.user.id)
        intro = bot.catalogue.text(language, "profiles.created" if created else "profiles.updated")
        await send_card(interaction, interaction.user, intro)


async def open_form(interaction: discord.Interaction[MikroVirkBot], trade: Trade) -> None:
    bot = interaction.client
    current = await profiles.get(bot.db, bot.config.discord.guild_id, interaction.user.id)
    await interaction.response.send_modal(
        ProfileModal(bot, bot.language_of(interaction), interaction.user.id, trade, current)
    )


async def outdate_intros(bot: MikroVirkBot, user_id: int) -> None:
    """A newcomer presenting at a coming meeting shows there with their business: that post has to follow."""
    for meeting_id in await program.coming_intros(bot.db, bot.config.discord.guild_id, user_id, bot.clock()):
        bot.dispatch("announcement_outdated", meeting_id)


async def send_card(
    interaction: discord.Interaction[MikroVirkBot], member: discord.User | discord.Member, content: str | None = None
) -> None:
    """The member's profile card, privately: in the server only, never in a DM."""
    bot = interaction.client
    language = bot.language_of(interaction)
    guild_id = bot.config.discord.guild_id
    profile = await profiles.get(bot.db, guild_id, member.id)
    if profile is None:
        if member.id == interaction.user.id:
            raise UserFacingError("profiles.errors.none_yours")
        raise UserFacingError("profiles.errors.none", name=plain(member.display_name))
    now = bot.clock()
    upcoming = await meetings.next_meeting(bot.db, guild_id, now)
    answer = await rsvps.state_of(bot.db, upcoming.id, member.id) if upcoming else None
    card = profile_card(
        replace(profile, name=member.display_name), answer, upcoming is not None, language, bot.catalogue
    )
    await interaction.response.send_message(content, embed=card_embed(card), ephemeral=True)


async def remove(interaction: discord.Interaction[MikroVirkBot]) -> None:
    bot = interaction.client
    if not await profiles.remove(bot.db, bot.config.discord.guild_id, interaction.user.id):
        raise UserFacingError("profiles.errors.none_yours")
    log.info("profile removed", extra={"user_id": interaction.user.id})
    await outdate_intros(bot, interaction.user.id)
    await interaction.response.send_message(bot.text_for(interaction, "profiles.removed"), ephemeral=True)


async def set_suggestions(interaction: discord.Interaction[MikroVirkBot], enabled: bool) -> None:
    bot = interaction.client
    guild_id = bot.config.discord.guild_id
    await members.set_dm_suggestions(bot.db, guild_id, interaction.user.id, enabled, bot.clock())
    key = "profiles.suggestions_on" if enabled else "profiles.suggestions_off"
    await interaction.response.send_message(bot.text_for(interaction, key), ephemeral=True)
