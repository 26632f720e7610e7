"""Connections, pragmas and schema migrations for the SQLite database."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite

from leadform.domain.leads import NewLead, StoredLead
from leadform.domain.submission_limits import OverLimit, SubmissionAttempt
from leadform.storage.errors import StorageError
from leadform.storage.leads import find_lead_by_token, write_leads
from leadform.storage.submission_limits import record_submission_attempts, write_leads_within_limits
from leadform.storage.write_lock import WriteLock, write_lock_path
from leadform.storage.writer import Writer

logger = logging.getLogger("leadform.storage")

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The schema's forward migrations, in order, from storage/migrations/NNNN_*.sql."""
    found = []
    for entry in resources.files("leadform.storage").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    return sorted(found, key=lambda m: m.version)


def split_statements(sql: str) -> list[str]:
    """Split a migration into complete statements (sqlite3 knows where one ends)."""
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip() and not all(
        line.strip().startswith("--") or not line.strip() for line in current.splitlines()
    ):
        raise ValueError(f"incomplete SQL statement: {current.strip()[:60]!r}")
    return statements


async def connect(path: Path, busy_timeout: float) -> aiosqlite.Connection:
    # isolation_level=None: transactions are begun explicitly (BEGIN IMMEDIATE for
    # writes), so a writer takes the lock up front instead of failing mid-way.
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = FULL")
        await conn.execute("PRAGMA foreign_keys = ON")
        # Deleted content is overwritten with zeros, not left in free pages: an erased
        # person's data must not survive in the file (docs/privacy.md).
        await conn.execute("PRAGMA secure_delete = ON")
    except BaseException:
        # The connection's thread would keep the process alive after the error
        # (a file that is not a database fails only here, at the first read).
        await conn.close()
        raise
    return conn


async def migrate(conn: aiosqlite.Connection) -> int:
    """Apply pending migrations; refuse a database from a newer leadform."""
    known = migrations()
    latest = known[-1].version if known else 0
    await conn.execute("BEGIN IMMEDIATE")  # several instances may start at once
    try:
        version = await _user_version(conn)
        if version > latest:
            raise StorageError(
                f"the database has schema version {version}, newer than this leadform "
                f"knows ({latest}); upgrade leadform or restore a backup"
            )
        for migration in known:
            if migration.version > version:
                for statement in split_statements(migration.sql):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {migration.version}")
                logger.info("applied migration %s", migration.name)
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    return max(version, latest)


async def _user_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


class Database:
    """A read connection and the single writer; created in the app's lifespan."""

    def __init__(self, reader: aiosqlite.Connection, writer: Writer) -> None:
        self.reader = reader
        self.writer = writer

    async def save_lead(self, new: NewLead) -> StoredLead:
        """Store a lead (or find the one its token already stored) once committed."""
        stored: StoredLead = await self.writer.submit(write_leads, new)
        return stored

    async def save_lead_within_limits(
        self, new: NewLead, attempt: SubmissionAttempt
    ) -> StoredLead | OverLimit:
        """Like save_lead, unless the attempt is over a rate limit: then nothing is stored."""
        result: StoredLead | OverLimit = await self.writer.submit(
            write_leads_within_limits, (new, attempt)
        )
        return result

    async def record_submission_attempt(self, attempt: SubmissionAttempt) -> OverLimit | None:
        """Count an attempt that stores nothing; None when it was within the limits."""
        result: OverLimit | None = await self.writer.submit(record_submission_attempts, attempt)
        return result

    async def find_lead_by_token(self, token_id: str) -> StoredLead | None:
        return await find_lead_by_token(self.reader, token_id)

    async def checkpoint(self, tries: int = 3, pause: float = 0.2) -> bool:
        """Copy the WAL into the database file and truncate the WAL to nothing, so
        rows deleted by an erasure linger in neither. False when readers kept it
        from finishing every time (the next checkpoint will). Writers wait while a
        try waits for readers (at most the busy timeout each), so the tries are few."""
        for attempt in range(tries):
            try:
                async with self.reader.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                    row = await cursor.fetchone()
            except sqlite3.Error as exc:
                raise StorageError(f"checkpoint failed: {exc}") from exc
            if row is not None and row[0] == 0:
                return True
            if attempt < tries - 1:
                await asyncio.sleep(pause)
        logger.warning("checkpoint did not finish: readers kept the WAL busy")
        return False

    async def ping(self) -> bool:
        try:
            async with self.reader.execute("SELECT count(*) FROM sqlite_schema") as cursor:
                return (await cursor.fetchone()) is not None
        except (sqlite3.Error, ValueError):  # ValueError: the connection is gone
            return False

    async def close(self) -> None:
        await self.writer.stop()
        await self.reader.close()


async def open_database(path: Path, busy_timeout: float = 5.0) -> Database:
    """Create the folder and file if needed, migrate, and start the writer."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_conn = await connect(path, busy_timeout)
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"cannot open database {path}: {exc}") from exc
    try:
        await migrate(write_conn)
        await _quick_check(write_conn)
        lock = WriteLock(write_lock_path(path))
    except OSError as exc:
        await write_conn.close()
        raise StorageError(f"cannot open {write_lock_path(path)}: {exc.strerror}") from exc
    except BaseException:
        await write_conn.close()
        raise
    try:
        reader = await connect(path, busy_timeout)
    except BaseException:
        lock.close()
        await write_conn.close()
        raise
    writer = Writer(write_conn, lock)
    writer.start()
    return Database(reader, writer)


async def _quick_check(conn: aiosqlite.Connection) -> None:
    async with conn.execute("PRAGMA quick_check") as cursor:
        row = await cursor.fetchone()
    if row is None or row[0] != "ok":
        raise StorageError(f"database failed PRAGMA quick_check: {row[0] if row else '?'}")


def check_file(path: Path) -> None:
    """Before start-up: the folder can be made, the file opened, and its schema is not
    newer than this leadform knows. Raises StorageError with one readable line."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path)) as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except OSError as exc:
        raise StorageError(f"cannot create {path.parent}: {exc.strerror}") from None
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open {path}: {exc}") from None
    latest = migrations()[-1].version
    if version > latest:
        raise StorageError(
            f"{path} has schema version {version}, newer than this leadform knows "
            f"({latest}); upgrade leadform or restore a backup"
        )
