"""The SQLite engine: one file, a read connection and the group-commit writer.

The embedded default (`make run` needs nothing else). Its single writer serialises
every write transaction across processes (BEGIN IMMEDIATE), so `serialise` and
`share` have nothing left to do here.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import closing, suppress
from pathlib import Path
from typing import Any

import aiosqlite
import anyio

from leadform import __version__
from leadform.domain.leads import Lead
from leadform.storage.connection import Engine, Row
from leadform.storage.database import Database, migrations, split_statements
from leadform.storage.errors import StorageError, storage_errors_blocking
from leadform.storage.file_lock import SharedHold
from leadform.storage.lead_queries import (
    EXPORT_TEXT_COLUMNS,
    ExportReader,
    LeadQuery,
    where_clause,
)
from leadform.storage.leads import LEAD_COLUMNS, lead_from_row
from leadform.storage.private_files import private_file
from leadform.storage.write_lock import WriteLock, write_lock_path
from leadform.storage.writer import Writer

logger = logging.getLogger("leadform.storage")


class SqliteConnection:
    """aiosqlite behind the storage Connection interface."""

    engine: Engine = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = await self.conn.execute(sql, params)
        changed = cursor.rowcount
        await cursor.close()
        return changed

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.conn.executemany(sql, rows)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchrow(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        async with self.conn.execute(sql, params) as cursor:
            row: Row | None = await cursor.fetchone()
            return row

    async def serialise(self, keys: Sequence[str]) -> None:
        return None  # BEGIN IMMEDIATE: one writer at a time already

    async def close(self) -> None:
        await self.conn.close()

    async def share(self, key: str) -> None:
        return None


async def connect(path: Path, busy_timeout: float) -> aiosqlite.Connection:
    # isolation_level=None: transactions are begun explicitly (BEGIN IMMEDIATE for
    # writes), so a writer takes the lock up front instead of failing mid-way.
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        await use_wal(conn, busy_timeout)
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


async def use_wal(conn: aiosqlite.Connection, busy_timeout: float) -> None:
    """Switch to WAL, waiting up to the busy timeout for the lock it needs.

    SQLite does not call the busy handler for a change of journal mode, so processes
    opening one new file at once (`serve --workers N`, instances starting together)
    would otherwise get "database is locked" from all but the first."""
    deadline = asyncio.get_running_loop().time() + busy_timeout
    while True:
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or asyncio.get_running_loop().time() >= deadline:
                raise
        await asyncio.sleep(0.01)


async def migrate(conn: aiosqlite.Connection) -> int:
    """Apply pending migrations; refuse a database from a newer leadform."""
    known = migrations("sqlite")
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
                logger.info("applied migration %s (leadform %s)", migration.name, __version__)
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    return max(version, latest)


async def _user_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


class FileIdentity:
    """The database file this process opened (device and inode), to notice when the
    path has been given another file (copied over, restored by hand): connections
    opened before keep writing into the old one, where nobody will ever find a lead."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._opened = self._current()
        self._reported = False

    def _current(self) -> tuple[int, int] | None:
        try:
            found = self.path.stat()
        except OSError:
            return None
        return found.st_dev, found.st_ino

    def replaced(self) -> bool:
        if self._current() == self._opened:
            return False
        if not self._reported:
            self._reported = True
            logger.error(
                "the database file %s was replaced or removed while open: "
                "refusing writes; restart the service",
                self.path,
            )
        return True

    def check(self) -> None:
        if self.replaced():
            raise StorageError(f"the database file {self.path} was replaced while open")


class SqliteDatabase(Database):
    """A read connection and the single writer; created in the app's lifespan. The
    process holds the file's shared lock (`hold`) until `close`, so a restore cannot
    replace it meanwhile."""

    def __init__(
        self,
        path: Path,
        reader: aiosqlite.Connection,
        writer: Writer,
        busy_timeout: float,
        hold: SharedHold | None = None,
    ) -> None:
        super().__init__(SqliteConnection(reader), writer)
        self.path = path
        self.identity = FileIdentity(path)
        self._reader = reader
        self._busy_timeout = busy_timeout
        self._hold = hold

    def check_writable(self) -> None:
        self.identity.check()

    async def size_bytes(self) -> int:
        """The database file and its WAL on disk (0 for what is missing)."""
        total = 0
        for file in (self.path, self.path.with_name(self.path.name + "-wal")):
            with suppress(OSError):
                total += file.stat().st_size
        return total

    async def ping(self) -> bool:
        if self.identity.replaced():
            return False
        try:
            async with self._reader.execute("SELECT count(*) FROM sqlite_schema") as cursor:
                return (await cursor.fetchone()) is not None
        except (sqlite3.Error, ValueError):  # ValueError: the connection is gone
            return False

    async def checkpoint(self, tries: int = 3, pause: float = 0.2) -> bool:
        """Copy the WAL into the database file and truncate the WAL to nothing, so
        rows deleted by an erasure linger in neither. False when readers kept it
        from finishing every time (the next checkpoint will). Writers wait while a
        try waits for readers (at most the busy timeout each), so the tries are few."""
        for attempt in range(tries):
            try:
                async with self._reader.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                    row = await cursor.fetchone()
            except sqlite3.Error as exc:
                raise StorageError(f"checkpoint failed: {exc}") from exc
            if row is not None and row[0] == 0:
                return True
            if attempt < tries - 1:
                await asyncio.sleep(pause)
        logger.warning("checkpoint did not finish: readers kept the WAL busy")
        return False

    async def export_reader(self) -> ExportReader:
        reader: ExportReader = await anyio.to_thread.run_sync(
            SqliteExportReader, self.path, self._busy_timeout
        )
        return reader

    async def tables(self) -> list[str]:
        found = await self.reader.fetch(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return [row[0] for row in found]

    async def primary_key(self, table: str) -> tuple[str, ...]:
        found = await self.reader.fetch(
            "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", (table,)
        )
        return tuple(row[0] for row in found)

    async def after_copy(self) -> None:
        return None  # AUTOINCREMENT and rowid follow the largest id inserted

    async def close(self) -> None:
        try:
            await self.writer.stop()
            await self._reader.close()
        finally:
            if self._hold is not None:
                self._hold.release()


async def open_sqlite(
    path: Path, busy_timeout: float = 5.0, *, create: bool = True
) -> SqliteDatabase:
    """Create the folder and file if needed (unless `create` is false: then a missing
    file is a StorageError naming it), migrate, and start the writer. The process holds
    the database's shared lock until `close`, so a restore cannot replace it meanwhile."""
    if not create and not path.is_file():
        raise StorageError(f"no database at {path} (set LEADFORM_DATABASE or --env-file)")
    try:
        private_file(path)  # SQLite would create it, and its -wal, readable by all
    except OSError as exc:
        raise StorageError(f"cannot open database {path}: {exc}") from exc
    hold = SharedHold(path)
    try:
        return await _open(path, busy_timeout, hold)
    except BaseException:
        hold.release()
        raise


async def _open(path: Path, busy_timeout: float, hold: SharedHold) -> SqliteDatabase:
    try:
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
    writer = Writer(write_conn, SqliteConnection(write_conn), lock)
    writer.start()
    return SqliteDatabase(path, reader, writer, busy_timeout, hold)


async def _quick_check(conn: aiosqlite.Connection) -> None:
    async with conn.execute("PRAGMA quick_check") as cursor:
        row = await cursor.fetchone()
    if row is None or row[0] != "ok":
        raise StorageError(f"database failed PRAGMA quick_check: {row[0] if row else '?'}")


def check_file(path: Path) -> None:
    """Before start-up: the folder can be made, the file opened, and its schema is not
    newer than this leadform knows. Raises StorageError with one readable line."""
    try:
        private_file(path)
        with closing(sqlite3.connect(path)) as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except OSError as exc:
        raise StorageError(f"cannot create {path.parent}: {exc.strerror}") from None
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open {path}: {exc}") from None
    latest = migrations("sqlite")[-1].version
    if version > latest:
        raise StorageError(
            f"{path} has schema version {version}, newer than this leadform knows "
            f"({latest}); upgrade leadform or restore a backup"
        )


class SqliteExportReader:
    """Chunks of leads in id order, each read in its own short transaction, with the
    standard library's sqlite3 on a connection of the export's own: a long export never
    pins a snapshot and the WAL can be checkpointed while it runs.

    Blocking: call from a worker thread, one call at a time.
    """

    @storage_errors_blocking
    def __init__(self, path: Path, busy_timeout: float) -> None:
        # check_same_thread=False: the worker thread may differ per call, but calls
        # never overlap (the caller awaits each one).
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        self._conn.execute("PRAGMA query_only = ON")

    @storage_errors_blocking
    def last_id(self) -> int:
        """The newest lead's id. Ids are given in commit order by the single writer,
        so every lead up to this one is already visible: an export bounded by it
        misses nothing, and the next one starts right after it."""
        row = self._conn.execute("SELECT coalesce(max(id), 0) FROM leads").fetchone()
        return int(row[0])

    @storage_errors_blocking
    def count(self, query: LeadQuery, after_id: int, upto_id: int) -> int:
        where, params = where_clause(query)
        sql = f"SELECT count(*) FROM leads WHERE {where} AND id > ? AND id <= ?"  # noqa: S608
        return int(self._conn.execute(sql, [*params, after_id, upto_id]).fetchone()[0])

    @storage_errors_blocking
    def chunk(self, query: LeadQuery, after_id: int, upto_id: int, limit: int) -> list[Lead]:
        """Up to `limit` matching leads with after_id < id <= upto_id, oldest first."""
        where, params = where_clause(query)
        sql = (
            f"SELECT {LEAD_COLUMNS} FROM leads WHERE {where} "  # noqa: S608 - built above
            "AND id > ? AND id <= ? ORDER BY id LIMIT ?"
        )
        rows = self._conn.execute(sql, [*params, after_id, upto_id, limit]).fetchall()
        return [lead_from_row(row) for row in rows]

    @storage_errors_blocking
    def text_chunk(
        self, query: LeadQuery, after_id: int, upto_id: int, limit: int
    ) -> tuple[list[tuple[str, ...]], int]:
        """Like `chunk`, as LEAD_FIELDS text with submitted_at in UTC, plus the last
        id read (`after_id` when none): for the CSV export, which needs no Lead."""
        where, params = where_clause(query)
        sql = (
            f"SELECT id, {EXPORT_TEXT_COLUMNS} FROM leads WHERE {where} "  # noqa: S608
            "AND id > ? AND id <= ? ORDER BY id LIMIT ?"
        )
        cursor = self._conn.cursor()
        cursor.row_factory = None  # plain tuples: the fastest sqlite3 gives
        rows = cursor.execute(sql, [*params, after_id, upto_id, limit]).fetchall()
        last = rows[-1][0] if rows else after_id
        return [row[1:] for row in rows], last

    def close(self) -> None:
        self._conn.close()
