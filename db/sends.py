"""SQL for what the bot sent for a round, recorded as it happens: the round's channel post and each recipient's DM,
marked in doubt before it goes out and recorded once Discord answered (see bot.services.once)."""

from __future__ import annotations

from datetime import datetime

from bot.rounds import DeliveryState, InDoubt
from db.codec import instant_from_db, instant_to_db
from db.database import Database


async def mark_post(db: Database, round_id: int, channel_id: int, fingerprint: str, now: datetime) -> None:
    """The round's channel post is about to go out: in doubt until :func:`set_channel_message` records it."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE rounds SET post_channel_id = ?, post_fingerprint = ?, post_attempted_at = ?, updated_at = ?"
            " WHERE id = ?",
            (channel_id, fingerprint, stamp, stamp, round_id),
        )


async def set_channel_message(db: Database, round_id: int, message_id: int, now: datetime) -> None:
    """Record the round's channel post; it is no longer in doubt."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE rounds SET channel_message_id = ?, post_channel_id = NULL, post_fingerprint = NULL,"
            " post_attempted_at = NULL, updated_at = ? WHERE id = ?",
            (message_id, instant_to_db(now), round_id),
        )


async def recorded_messages(db: Database, message_ids: list[int]) -> set[int]:
    """Those of ``message_ids`` recorded already as a round's post or a delivered DM (never taken for another)."""
    if not message_ids:
        return set()
    marks = ", ".join("?" * len(message_ids))
    async with db.read() as conn:
        rows = await conn.fetchall(
            f"SELECT channel_message_id AS id FROM rounds WHERE channel_message_id IN ({marks})"
            f" UNION SELECT message_id FROM round_deliveries WHERE message_id IN ({marks})",
            (*message_ids, *message_ids),
        )
    return {row["id"] for row in rows}


async def undelivered(db: Database, round_id: int) -> list[tuple[int, InDoubt | None]]:
    """The recipients not yet reached, each with the DM in doubt a stopped bot may have sent them (channel unknown:
    the member's DM channel)."""
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT user_id, fingerprint, attempted_at FROM round_deliveries"
            " WHERE round_id = ? AND state IN ('pending', 'sending') ORDER BY user_id",
            (round_id,),
        )
    return [
        (
            row["user_id"],
            None
            if row["fingerprint"] is None
            else InDoubt(None, row["fingerprint"], instant_from_db(row["attempted_at"])),
        )
        for row in rows
    ]


async def mark_delivery(db: Database, round_id: int, user_id: int, fingerprint: str, now: datetime) -> None:
    """The recipient's DM is about to go out: in doubt until :func:`record_delivery` records its outcome."""
    stamp = instant_to_db(now)
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE round_deliveries SET state = 'sending', fingerprint = ?, attempted_at = ?, updated_at = ?"
            " WHERE round_id = ? AND user_id = ? AND state IN ('pending', 'sending')",
            (fingerprint, stamp, stamp, round_id, user_id),
        )


async def record_delivery(
    db: Database, round_id: int, user_id: int, state: DeliveryState, message_id: int | None, now: datetime
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE round_deliveries SET state = ?, message_id = ?, fingerprint = NULL, attempts = attempts + 1,"
            " updated_at = ? WHERE round_id = ? AND user_id = ?",
            (state.value, message_id, instant_to_db(now), round_id, user_id),
        )
