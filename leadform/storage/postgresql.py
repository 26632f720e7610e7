"""The PostgreSQL engine: asyncpg, a connection pool, server-side prepared statements.

Several leadform instances may share one database, so each write runs in a
transaction of its own on a pooled connection, side by side with others. What the
SQLite engine gets from its single writer is made explicit here:

- `serialise(keys)` takes transaction-scoped advisory locks (rate-limit and sign-in
  keys, outbox claims), so counts checked and then recorded cannot race;
- lead inserts share the "lead ids" lock and an export's cursor takes it alone for a
  moment: every id handed out before is then committed, and every later one is
  larger, so `id <= cursor` never misses a lead that commits late;
- migrations run under an advisory lock, so instances starting at once apply each
  one once.

Statements are written with `?` placeholders (see connection.py) and turned into
`$n` once per statement text; asyncpg prepares and caches each statement per
connection.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from typing import Any, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from leadform.config import PostgresUrl
from leadform.domain.leads import Lead
from leadform.storage.connection import Connection, Engine, Row
from leadform.storage.database import Database, migrations
from leadform.storage.errors import DRIVER_ERRORS, StorageError, storage_errors
from leadform.storage.lead_queries import (
    EXPORT_TEXT_COLUMNS,
    ExportReader,
    LeadQuery,
    where_clause,
)
from leadform.storage.leads import LEAD_COLUMNS, LEAD_IDS, lead_from_row
from leadform.storage.writer import BatchWrite

logger = logging.getLogger("leadform.storage")

T = TypeVar("T")

POOL_SIZE = 10
"""Connections per instance; see docs/operations.md for the server's limit."""
CONNECT_TIMEOUT = 5.0
_MIGRATIONS_LOCK = "leadform migrations"

# A `?` outside quotes and comments; quoted text is matched first and kept.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|--[^\n]*|\?")


@functools.lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, ...`."""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0) != "?":
            return match.group(0)
        count += 1
        return f"${count}"

    return _TOKENS.sub(number, sql)


class PgConnection:
    """One asyncpg connection (inside a transaction) behind the Connection interface."""

    engine: Engine = "postgresql"

    def __init__(self, conn: asyncpg.Connection | PoolConnectionProxy) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        status = await self.conn.execute(numbered(sql), *params)
        last = status.rsplit(" ", 1)[-1]  # "UPDATE 3", "INSERT 0 1", "DELETE 0"
        return int(last) if last.isdigit() else 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            await self.conn.executemany(numbered(sql), rows)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self.conn.fetch(numbered(sql), *params))

    async def fetchrow(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = await self.conn.fetchrow(numbered(sql), *params)
        return row

    async def serialise(self, keys: Sequence[str]) -> None:
        # Always in the same order, so two transactions never wait for each other.
        for key in sorted(set(keys)):
            await self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key)

    async def share(self, key: str) -> None:
        await self.conn.execute("SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))", key)


class PgPoolReader:
    """Reads for the web layer: each on a pooled connection, in its own statement."""

    engine: Engine = "postgresql"

    def __init__(self, pool: asyncpg.Pool, timeout: float) -> None:
        self._pool = pool
        self._timeout = timeout

    async def _on_connection(self, work: Callable[[PgConnection], Awaitable[T]]) -> T:
        async with self._pool.acquire(timeout=self._timeout) as conn:
            return await work(PgConnection(conn))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self._on_connection(lambda c: c.execute(sql, params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._on_connection(lambda c: c.executemany(sql, rows))

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self._on_connection(lambda c: c.fetch(sql, params))

    async def fetchrow(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return await self._on_connection(lambda c: c.fetchrow(sql, params))

    async def close(self) -> None:
        """Close the pool under the reader (what a lost server looks like)."""
        self._pool.terminate()

    async def serialise(self, keys: Sequence[str]) -> None:
        raise StorageError("locks belong inside a write transaction")

    async def share(self, key: str) -> None:
        raise StorageError("locks belong inside a write transaction")


class PgWriter:
    """Each write in its own transaction on a pooled connection; answered once it
    committed. Driver errors, a lost connection included, come out as StorageError."""

    def __init__(self, pool: asyncpg.Pool, timeout: float) -> None:
        self._pool = pool
        self._timeout = timeout
        self._closing = False
        self._running: set[asyncio.Task[Any]] = set()

    async def submit(self, write: BatchWrite, item: Any) -> Any:
        if self._closing:
            raise StorageError("the database is closing")
        task = asyncio.create_task(self._write(write, item))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        # shield: a client that hangs up must not cut a transaction short
        return await asyncio.shield(task)

    async def _write(self, write: BatchWrite, item: Any) -> Any:
        try:
            async with self._pool.acquire(timeout=self._timeout) as conn, conn.transaction():
                [result] = await write(PgConnection(conn), [item])
                return result
        except StorageError:
            raise
        except DRIVER_ERRORS as exc:
            logger.error("write failed: %s", type(exc).__name__)
            raise StorageError(str(exc) or type(exc).__name__) from exc

    async def stop(self) -> None:
        """Let writes already begun commit; then the pool may close."""
        self._closing = True
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)


class PostgresDatabase(Database):
    def __init__(self, url: PostgresUrl, pool: asyncpg.Pool, timeout: float) -> None:
        super().__init__(PgPoolReader(pool, timeout), PgWriter(pool, timeout))
        self.url = url
        self.pool = pool
        self._timeout = timeout

    async def ping(self) -> bool:
        try:
            async with self.pool.acquire(timeout=self._timeout) as conn:
                return bool(await conn.fetchval("SELECT true", timeout=self._timeout))
        except DRIVER_ERRORS:
            return False

    @storage_errors
    async def size_bytes(self) -> int:
        """The database as the server reports it (tables, indexes, TOAST; not the WAL,
        which the server shares between its databases)."""
        row = await self.reader.fetchrow("SELECT pg_database_size(current_database()) AS size")
        return int(row["size"]) if row else 0

    async def export_reader(self) -> ExportReader:
        return PgExportReader(self.pool, asyncio.get_running_loop(), self._timeout)

    async def tables(self) -> list[str]:
        found = await self.reader.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'leadform_schema'"
        )
        return [row[0] for row in found]

    async def primary_key(self, table: str) -> tuple[str, ...]:
        found = await self.reader.fetch(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
            "WHERE i.indrelid = CAST(? AS regclass) AND i.indisprimary "
            "ORDER BY array_position(CAST(i.indkey AS int2[]), a.attnum)",
            (table,),
        )
        return tuple(row[0] for row in found)

    async def after_copy(self) -> None:
        async def reset(conn: Connection, tables: Sequence[list[str]]) -> list[None]:
            for table in tables[0]:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence(?, 'id'), "  # noqa: S608
                    f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)",
                    (table,),
                )
            return [None]

        identities = await self.reader.fetch(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'id' "
            "AND is_identity = 'YES' AND table_schema = current_schema()"
        )
        await self.writer.submit(reset, [row[0] for row in identities])

    async def close(self) -> None:
        await self.writer.stop()
        try:
            await asyncio.wait_for(self.pool.close(), timeout=10)
        except DRIVER_ERRORS:
            self.pool.terminate()


async def _connect(url: PostgresUrl) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(url.url, timeout=CONNECT_TIMEOUT)
    except DRIVER_ERRORS as exc:
        raise StorageError(f"cannot connect to {url}: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


async def migrate(conn: asyncpg.Connection) -> int:
    """Apply pending migrations under an advisory lock (instances starting at once
    apply each once); refuse a database from a newer leadform."""
    known = migrations("postgresql")
    latest = known[-1].version if known else 0
    async with conn.transaction():
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", _MIGRATIONS_LOCK
        )
        version = await _schema_version(conn)
        if version > latest:
            raise StorageError(
                f"the database has schema version {version}, newer than this leadform "
                f"knows ({latest}); upgrade leadform or restore a backup"
            )
        if version == 0:
            await conn.execute("CREATE TABLE leadform_schema (version integer NOT NULL)")
            await conn.execute("INSERT INTO leadform_schema (version) VALUES (0)")
        for migration in known:
            if migration.version > version:
                await conn.execute(migration.sql)
                await conn.execute("UPDATE leadform_schema SET version = $1", migration.version)
                logger.info("applied migration %s", migration.name)
    return max(version, latest)


async def _schema_version(conn: asyncpg.Connection) -> int:
    exists = await conn.fetchval("SELECT to_regclass('leadform_schema') IS NOT NULL")
    if not exists:
        return 0
    version = await conn.fetchval("SELECT max(version) FROM leadform_schema")
    return int(version or 0)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """A pooled connection is handed on as it is: leadform keeps no session state
    (transaction-scoped locks only, no SET, cursors or LISTEN), so the default reset's
    round trip on every release would buy nothing."""


async def open_postgresql(url: PostgresUrl, timeout: float = 5.0) -> PostgresDatabase:
    """Connect, migrate, and open the pool; StorageError (one line) when the server
    cannot be reached or its schema is newer than this leadform."""
    conn = await _connect(url)
    try:
        await migrate(conn)
    except DRIVER_ERRORS as exc:
        raise StorageError(f"cannot migrate {url}: {_reason(exc)}") from None
    finally:
        await conn.close()
    try:
        pool = await asyncpg.create_pool(
            url.url,
            min_size=1,
            max_size=POOL_SIZE,
            timeout=CONNECT_TIMEOUT,
            # LEADFORM_BUSY_TIMEOUT, as on SQLite: a write kept waiting that long by
            # another's lock (a row, a table, an advisory lock) gives up: a 503.
            server_settings={"lock_timeout": str(max(1, int(timeout * 1000)))},
            reset=_keep_session,
        )
    except DRIVER_ERRORS as exc:
        raise StorageError(f"cannot connect to {url}: {_reason(exc)}") from None
    # the pool's wait for a free connection: LEADFORM_BUSY_TIMEOUT, at least a second
    return PostgresDatabase(url, pool, max(timeout, 1.0))


async def schema_version(url: PostgresUrl) -> int:
    conn = await _connect(url)
    try:
        return await _schema_version(conn)
    except DRIVER_ERRORS as exc:
        raise StorageError(f"cannot read {url}: {_reason(exc)}") from None
    finally:
        await conn.close()


def check_postgresql(url: PostgresUrl) -> None:
    """Before start-up: the server answers and the schema is not newer than this
    leadform knows. Raises StorageError with one readable line."""
    version = asyncio.run(schema_version(url))
    latest = migrations("postgresql")[-1].version
    if version > latest:
        raise StorageError(
            f"{url} has schema version {version}, newer than this leadform knows "
            f"({latest}); upgrade leadform or restore a backup"
        )


class PgExportReader:
    """ExportReader on the pool: each chunk one statement on a pooled connection.

    Blocking like the SQLite one (the export runs in a worker thread): each call is
    handed to the event loop the reader was made on and waited for.
    """

    def __init__(self, pool: asyncpg.Pool, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self._pool = pool
        self._loop = loop
        self._timeout = timeout

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        try:
            return asyncio.run_coroutine_threadsafe(work, self._loop).result()
        except DRIVER_ERRORS as exc:
            raise StorageError(str(exc) or type(exc).__name__) from exc

    async def _last_id(self) -> int:
        async with self._pool.acquire(timeout=self._timeout) as conn, conn.transaction():
            # Alone with the "lead ids" lock: every insert that took an id has ended.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", LEAD_IDS)
            return int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM leads"))

    def last_id(self) -> int:
        """The newest lead's id, read once every insert that took an id before has
        committed or rolled back; later inserts take larger ids. So every lead up to
        it is visible, and none can appear below it afterwards."""
        return self._run(self._last_id())

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[asyncpg.Record]:
        async with self._pool.acquire(timeout=self._timeout) as conn:
            return list(await conn.fetch(numbered(sql), *params))

    def count(self, query: LeadQuery, after_id: int, upto_id: int) -> int:
        where, params = where_clause(query)
        sql = f"SELECT count(*) FROM leads WHERE {where} AND id > ? AND id <= ?"  # noqa: S608
        [row] = self._run(self._fetch(sql, [*params, after_id, upto_id]))
        return int(row[0])

    def chunk(self, query: LeadQuery, after_id: int, upto_id: int, limit: int) -> list[Lead]:
        where, params = where_clause(query)
        sql = (
            f"SELECT {LEAD_COLUMNS} FROM leads WHERE {where} "  # noqa: S608 - built above
            "AND id > ? AND id <= ? ORDER BY id LIMIT ?"
        )
        rows = self._run(self._fetch(sql, [*params, after_id, upto_id, limit]))
        return [lead_from_row(row) for row in rows]

    def text_chunk(
        self, query: LeadQuery, after_id: int, upto_id: int, limit: int
    ) -> tuple[list[tuple[str, ...]], int]:
        where, params = where_clause(query)
        sql = (
            f"SELECT id, {EXPORT_TEXT_COLUMNS} FROM leads WHERE {where} "  # noqa: S608
            "AND id > ? AND id <= ? ORDER BY id LIMIT ?"
        )
        rows = self._run(self._fetch(sql, [*params, after_id, upto_id, limit]))
        last = rows[-1][0] if rows else after_id
        return [tuple(row)[1:] for row in rows], last

    def close(self) -> None:
        return None  # the pool outlives the export
