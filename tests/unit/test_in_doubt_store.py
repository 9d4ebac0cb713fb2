"""Sends in doubt in the database: migration 0011 keeps every delivery, and a mark gives way to the outcome."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.rounds import DeliveryState, InDoubt, RoundKind
from db import rounds, sends
from db.database import Database, bundled_migrations

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
GUILD = 1


async def test_migration_keeps_deliveries_and_admits_sending(tmp_path: Path) -> None:
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    try:
        before, in_doubt = bundled_migrations()[:10], bundled_migrations()[10]
        assert in_doubt.name.startswith("0011_")
        await db.migrate(before)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO rounds (id, guild_id, kind, subject, due_at, created_at, updated_at)"
                " VALUES (7, 1, 'monthly', '2026-12', '2026-12-01T08:00:00+00:00', 'x', 'x')"
            )
            await conn.executemany(
                "INSERT INTO round_deliveries (round_id, user_id, state, attempts, message_id, updated_at)"
                " VALUES (?, ?, ?, ?, ?, 'x')",
                [(7, 10, "sent", 1, 555), (7, 11, "refused", 1, None), (7, 12, "pending", 0, None)],
            )
        assert await db.migrate() == [11]
        async with db.read() as conn:
            rows = await conn.fetchall(
                "SELECT user_id, state, attempts, message_id FROM round_deliveries ORDER BY user_id"
            )
            assert [tuple(row) for row in rows] == [
                (10, "sent", 1, 555),
                (11, "refused", 1, None),
                (12, "pending", 0, None),
            ]
            assert await conn.fetchval("PRAGMA foreign_key_check") is None
            assert await conn.fetchval("PRAGMA integrity_check") == "ok"
        await sends.mark_delivery(db, 7, 12, "abc", NOW)
        assert await sends.undelivered(db, 7) == [(12, InDoubt(None, "abc", NOW))]
        await sends.record_delivery(db, 7, 12, DeliveryState.SENT, 556, NOW)
        assert await sends.undelivered(db, 7) == []
        assert await sends.recorded_messages(db, [555, 556, 999]) == {555, 556}
        with pytest.raises(sqlite3.IntegrityError):  # a delivery in doubt always says what it sent
            async with db.transaction() as conn:
                await conn.execute("UPDATE round_deliveries SET state = 'sending' WHERE user_id = 11")
    finally:
        await db.close()


async def test_a_round_post_in_doubt_is_on_the_row_until_recorded(tmp_path: Path) -> None:
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    try:
        await db.migrate()
        row = await rounds.schedule(
            db,
            GUILD,
            None,
            RoundKind.MONTHLY,
            "2026-12",
            datetime(2026, 12, 1, tzinfo=UTC),
            None,
            NOW,
            may_be_late=False,
        )
        assert row is not None and row.post_in_doubt is None
        await sends.mark_post(db, row.id, 42, "fp", NOW)
        marked = await rounds.get(db, row.id)
        assert marked is not None and marked.post_in_doubt == InDoubt(42, "fp", NOW)
        await sends.set_channel_message(db, row.id, 900, NOW)
        recorded = await rounds.get(db, row.id)
        assert recorded is not None and recorded.post_in_doubt is None and recorded.channel_message_id == 900
    finally:
        await db.close()
