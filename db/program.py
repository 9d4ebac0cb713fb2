"""SQL for the program slots of meetings (hot seat, brag spot, newcomer intros)."""

from __future__ import annotations

from dataclasses import dataclass

from db.database import Database


@dataclass(frozen=True, slots=True)
class ConfirmedSlot:
    kind: str
    user_id: int
    name: str
    topic: str | None


async def confirmed(db: Database, meeting_id: int) -> list[ConfirmedSlot]:
    """The confirmed slots of a meeting in program order, with the members' display names."""
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT s.kind, s.user_id, s.topic, coalesce(mb.display_name, '') AS name"
            " FROM program_slots s JOIN meetings m ON m.id = s.meeting_id"
            " LEFT JOIN members mb ON mb.guild_id = m.guild_id AND mb.user_id = s.user_id"
            " WHERE s.meeting_id = ? AND s.status = 'confirmed'"
            " ORDER BY CASE s.kind WHEN 'intro' THEN 1 ELSE 0 END, coalesce(s.position, 0), s.id",
            (meeting_id,),
        )
    return [
        ConfirmedSlot(row["kind"], row["user_id"], row["name"] or str(row["user_id"]), row["topic"]) for row in rows
    ]
