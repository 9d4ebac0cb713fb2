"""The language of each member's Discord client, kept for the DMs they did not ask for."""

from __future__ import annotations

from bot.clock import Clock
from bot.config import Language
from db import members
from db.database import Database


class MemberLanguages:
    """Stores a member's client language only when it differs from the stored one.

    Every command reports the member's language, and it almost never changes. SQLite has one writer, so a write
    transaction per command would queue each command behind every RSVP and round being written (and them behind
    it); the stored language is read once per member and bot run instead, and written only when it changed.
    """

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        # (guild id, user id) → the language stored in the database (None: nothing stored yet).
        self._stored: dict[tuple[int, int], Language | None] = {}

    async def remember(self, guild_id: int, user_id: int, language: Language) -> bool:
        """Store ``language`` for the member unless it is already stored; whether it was written."""
        key = (guild_id, user_id)
        if key not in self._stored:
            self._stored[key] = await members.member_language(self._db, guild_id, user_id)
        if self._stored[key] == language:
            return False
        await members.remember_language(self._db, guild_id, user_id, language, self._clock())
        self._stored[key] = language
        return True

    def forget(self, user_id: int) -> None:
        """Drop what is known of the member's language, after their row was erased: the next command stores it
        again instead of trusting a language the database no longer has."""
        for key in [key for key in self._stored if key[1] == user_id]:
            del self._stored[key]
