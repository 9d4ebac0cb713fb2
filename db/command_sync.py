"""SQL for the hash of the last synced command tree (Discord allows 200 command creates a day)."""

from __future__ import annotations

from datetime import datetime

from db.codec import instant_to_db
from db.database import Database


async def synced_tree_hash(db: Database, application_id: int, guild_id: int) -> str | None:
    async with db.read() as conn:
        tree_hash: str | None = await conn.fetchval(
            "SELECT tree_hash FROM command_sync WHERE application_id = ? AND guild_id = ?",
            (application_id, guild_id),
        )
    return tree_hash


async def record_tree_sync(db: Database, application_id: int, guild_id: int, tree_hash: str, now: datetime) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO command_sync (application_id, guild_id, tree_hash, synced_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (application_id, guild_id) DO UPDATE SET tree_hash = excluded.tree_hash,"
            " synced_at = excluded.synced_at",
            (application_id, guild_id, tree_hash, instant_to_db(now)),
        )
