"""Members' data: every column that names a member is covered by /mydata and /forget; the rules of the summary."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.privacy import DATA_KIND_KEYS, export_file, next_retention, summary_counts
from db.database import Database
from db.privacy import PERSONAL_COLUMNS

# A column names a member when it holds a Discord user id: user_id, host_user_id, author_id, created_by, ...
_MEMBER_COLUMN = re.compile(r"^(user_id|\w+_user_id|author_id|\w+_by)$")


async def _schema(tmp_path: Path) -> dict[str, list[str]]:
    db = Database(tmp_path / "schema.sqlite3")
    await db.open()
    await db.migrate()
    await db.close()
    with sqlite3.connect(tmp_path / "schema.sqlite3") as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: [row[1] for row in conn.execute(f"PRAGMA table_info({table})")] for table in tables}


async def test_every_member_column_in_the_schema_is_covered(tmp_path: Path) -> None:
    """Fails when a migration adds a table with a member column that /mydata and /forget do not know."""
    schema = await _schema(tmp_path)
    member_columns = {
        (table, column) for table, columns in schema.items() for column in columns if _MEMBER_COLUMN.match(column)
    }
    assert member_columns, "the pattern must find the member columns"
    assert member_columns == set(PERSONAL_COLUMNS.items())


def test_every_kind_of_data_has_a_text_for_members() -> None:
    assert set(DATA_KIND_KEYS) == set(PERSONAL_COLUMNS)


def test_the_summary_counts_in_a_stable_order_and_never_drops_an_unknown_table() -> None:
    counts = summary_counts({"topics": 1, "rsvps": 3, "a_new_table": 2, "guests": 0})
    assert counts == [("privacy.kind.rsvps", 3), ("privacy.kind.topics", 1), ("privacy.kind.other", 2)]


def test_the_export_is_json_with_the_member_and_the_rows() -> None:
    data = export_file({"rsvps": [{"meeting_id": 1, "user_id": 5}]}, 5, datetime(2026, 12, 1, tzinfo=UTC))
    assert b'"member": "5"' in data and b'"meeting_id": 1' in data


@pytest.mark.parametrize(
    ("now", "subject", "due"),
    [
        (datetime(2026, 12, 1, 1, 0, tzinfo=UTC), "2026-12-01", datetime(2026, 12, 1, 2, 30, tzinfo=UTC)),
        (datetime(2026, 12, 1, 2, 30, tzinfo=UTC), "2026-12-02", datetime(2026, 12, 2, 2, 30, tzinfo=UTC)),
        (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "2026-07-02", datetime(2026, 7, 2, 1, 30, tzinfo=UTC)),
    ],
)
def test_retention_runs_nightly_at_half_past_three_local(now: datetime, subject: str, due: datetime) -> None:
    assert next_retention(now, ZoneInfo("Europe/Copenhagen")) == (subject, due)
