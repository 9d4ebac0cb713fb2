"""The one owner of the SQLite connection: pragmas, migrations, transactions.

The bot holds a single aiosqlite connection. SQLite allows one writer at a time and a transaction on a shared
connection is visible to every task using it, so all access goes through one :class:`asyncio.Lock`: writes in
``BEGIN IMMEDIATE`` transactions (:meth:`Database.transaction`), reads in :meth:`Database.read`. At a few thousand
commits a second this is far more than a monthly meeting needs, and it makes interleaving impossible.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5_000
# The files SQLite keeps beside a database ("<name>-wal" …) while it is open or after a crash.
SIDE_FILES = ("-journal", "-wal", "-shm")
# The database and its backups hold members' names, answers and comments: for the bot's own user only, whatever the
# umask it was started with (a mode given at creation is only ever narrowed by the umask, never widened).
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

Params = Sequence[Any] | dict[str, Any]


def private_folder(path: Path) -> None:
    """Create the folder ``path`` (and its parents) if missing; the folder itself is owner-only."""
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)


def side_files(database: Path) -> list[Path]:
    """The files SQLite may keep beside ``database`` (:data:`SIDE_FILES`)."""
    return [database.with_name(database.name + suffix) for suffix in SIDE_FILES]


def create_private(path: Path) -> None:
    """Create ``path`` as an empty owner-only file unless it exists. SQLite opens such a file as it finds it and gives
    the -wal, -shm and -journal files it makes beside it the same mode."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    """The numbered migrations shipped in ``db/migrations``, in order; numbering must have no gaps."""
    migrations: list[Migration] = []
    for entry in resources.files("db.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            migrations.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    migrations.sort(key=lambda migration: migration.version)
    expected = list(range(1, len(migrations) + 1))
    if [migration.version for migration in migrations] != expected:
        raise RuntimeError(f"migrations must be numbered 1..N without gaps, found {[m.name for m in migrations]}")
    return migrations


def latest_version() -> int:
    return len(bundled_migrations())


class Connection:
    """A thin, typed view of the locked connection handed out inside :meth:`Database.read`/``transaction``."""

    def __init__(self, raw: aiosqlite.Connection) -> None:
        self._raw = raw

    # Each method is one round trip to aiosqlite's thread: under a burst of reactions the hand-offs between
    # threads, not SQLite itself, are what costs time. Finished cursors need no close; sqlite3 releases them.

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of changed rows."""
        cursor = await self._raw.execute(sql, params)
        return cursor.rowcount

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT; returns the new row id."""
        row = await self._raw.execute_insert(sql, params)
        if row is None:
            raise RuntimeError("INSERT did not produce a row id")
        return int(row[0])

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._raw.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return list(await self._raw.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row (queries here select by key or LIMIT, so fetching all costs nothing extra)."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


class Database:
    """Opens the SQLite file with WAL, ``busy_timeout`` and foreign keys, and migrates it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._raw: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # Write transactions committed so far: a result kept in memory is current while this has not moved (the bot
        # is the only writer of its database).
        self.commits = 0

    async def open(self) -> None:
        if self._raw is not None:
            return
        if str(self.path) != ":memory:":
            private_folder(self.path.parent)
            create_private(self.path)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so transactions are exactly what the code says.
        raw = await aiosqlite.connect(self.path, isolation_level=None)
        raw.row_factory = sqlite3.Row
        await raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await raw.execute("PRAGMA foreign_keys = ON")
        await raw.execute("PRAGMA journal_mode = WAL")
        await raw.execute("PRAGMA synchronous = NORMAL")
        self._raw = raw
        log.info("database opened", extra={"path": str(self.path)})

    async def close(self) -> None:
        if self._raw is None:
            return
        async with self._lock:
            await self._raw.close()
            self._raw = None
        log.info("database closed", extra={"path": str(self.path)})

    def _connection(self) -> aiosqlite.Connection:
        if self._raw is None:
            raise RuntimeError("the database is not open")
        return self._raw

    async def schema_version(self) -> int:
        async with self.read() as conn:
            version: int = await conn.fetchval("PRAGMA user_version")
            return version

    async def migrate(self, migrations: Sequence[Migration] | None = None) -> list[int]:
        """Apply every migration newer than ``PRAGMA user_version``, each in its own transaction.

        Returns the versions applied. A failing migration is rolled back completely and re-raised; the
        versions before it stay applied.
        """
        pending_all = bundled_migrations() if migrations is None else list(migrations)
        raw = self._connection()
        applied: list[int] = []
        async with self._lock:
            async with raw.execute("PRAGMA user_version") as cursor:
                row = await cursor.fetchone()
            current = int(row[0]) if row is not None else 0
            if current > (pending_all[-1].version if pending_all else 0):
                raise RuntimeError(
                    f"the database is at schema version {current}, newer than this bot knows; upgrade the bot"
                )
            for migration in pending_all:
                if migration.version <= current:
                    continue
                # executescript commits a pending transaction first, so the script carries its own BEGIN/COMMIT
                # and user_version moves inside the same transaction as the schema change.
                script = f"BEGIN IMMEDIATE;\n{migration.sql}\nPRAGMA user_version = {migration.version};\nCOMMIT;"
                try:
                    await raw.executescript(script)
                except BaseException:
                    if raw.in_transaction:
                        await raw.rollback()
                    raise
                applied.append(migration.version)
                log.info("migration applied", extra={"version": migration.version, "migration": migration.name})
        return applied

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Connection]:
        """Exclusive use of the connection for reads (no transaction is opened)."""
        raw = self._connection()
        async with self._lock:
            yield Connection(raw)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A ``BEGIN IMMEDIATE`` write transaction: committed on success, rolled back on any exception."""
        raw = self._connection()
        async with self._lock:
            await raw.execute("BEGIN IMMEDIATE")
            try:
                yield Connection(raw)
            except BaseException:
                await raw.rollback()
                raise
            else:
                await raw.commit()
                self.commits += 1


def backup(source: Path, target: Path) -> int:
    """Copy a live database consistently with SQLite's online backup API; returns the copy's schema version.

    The copy is written next to ``target`` and renamed into place, so a crash never leaves a half-written file, and
    a failure (a full disk, a failed integrity check) removes what it wrote.
    """
    if not source.exists():
        raise FileNotFoundError(source)
    private_folder(target.parent)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    try:
        with (
            closing(sqlite3.connect(source)) as src,
            closing(sqlite3.connect(partial)) as dst,
        ):
            src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            src.backup(dst)
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            version = int(dst.execute("PRAGMA user_version").fetchone()[0])
        if check != "ok":
            raise sqlite3.DatabaseError(f"the backup failed its integrity check: {check}")
        partial.replace(target)
    except BaseException:
        for leftover in (partial, *side_files(partial)):
            leftover.unlink(missing_ok=True)
        raise
    return version
