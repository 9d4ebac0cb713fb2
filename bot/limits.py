"""Limits on what one member can set off (a public post, a notice to the organisers). No Discord here."""

from __future__ import annotations

from datetime import datetime, timedelta


class MemberCooldown:
    """At most one attempt that went through per ``every`` for each member.

    Kept in memory: it only spaces out bursts, and a restart forgiving a waiting member harms nobody.
    """

    def __init__(self, every: timedelta) -> None:
        self.every = every
        self._taken: dict[int, datetime] = {}

    def reserve(self, user_id: int, now: datetime) -> timedelta | None:
        """Take the member's turn at ``now``; if their last one is too recent, take nothing and return the wait."""
        last = self._taken.get(user_id)
        if last is not None and now < last + self.every:
            return last + self.every - now
        # Only members inside their window are kept, so the map never grows with the network.
        self._taken = {member: at for member, at in self._taken.items() if now < at + self.every}
        self._taken[user_id] = now
        return None

    def give_back(self, user_id: int, taken_at: datetime) -> None:
        """The attempt that took the turn at ``taken_at`` was refused or failed: it costs the member nothing."""
        if self._taken.get(user_id) == taken_at:
            del self._taken[user_id]
