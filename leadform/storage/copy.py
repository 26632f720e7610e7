"""Copying every table from one database into an empty one, across engines (SQLite to
PostgreSQL and back): ids, references and every row kept as they are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from leadform.storage.connection import Connection
from leadform.storage.database import Database
from leadform.storage.errors import DRIVER_ERRORS, StorageError, storage_errors

# Parents before the rows that point at them; tables added later (and not listed here)
# are copied after these, in name order.
COPY_ORDER = (
    "consent_wordings",
    "leads",
    "rate_hits",
    "staff",
    "staff_sessions",
    "api_tokens",
    "login_attempts",
    "exports",
    "notifications",
    "erasures",
    "erasure_exports",
    "purges",
    "job_leases",
)
CHUNK_ROWS = 1000


@dataclass(frozen=True)
class Rows:
    table: str
    columns: tuple[str, ...]
    values: list[tuple[Any, ...]]


async def _insert(conn: Connection, batch: Sequence[Rows]) -> list[None]:
    for rows in batch:
        columns = ", ".join(rows.columns)  # names read from the schema, never input
        marks = ", ".join("?" * len(rows.columns))
        await conn.executemany(
            f"INSERT INTO {rows.table} ({columns}) VALUES ({marks})",  # noqa: S608
            rows.values,
        )
    return [None] * len(batch)


def copy_order(tables: Sequence[str]) -> list[str]:
    known = [t for t in COPY_ORDER if t in tables]
    return known + sorted(t for t in tables if t not in COPY_ORDER)


@storage_errors
async def _count(db: Database, table: str) -> int:
    row = await db.reader.fetchrow(f"SELECT count(*) FROM {table}")  # noqa: S608 - schema name
    return int(row[0]) if row else 0


async def copy_database(source: Database, target: Database) -> dict[str, int]:
    """Copy every row of `source` into `target` (both migrated to this leadform's
    schema); refuse a target holding any row. Rows copied per table."""
    try:
        return await _copy(source, target)
    except DRIVER_ERRORS as exc:
        raise StorageError(str(exc) or type(exc).__name__) from exc


async def _copy(source: Database, target: Database) -> dict[str, int]:
    tables = copy_order(await source.tables())
    missing = set(tables) - set(await target.tables())
    if missing:
        raise StorageError(f"the target has no table {sorted(missing)[0]}")
    for table in tables:
        if await _count(target, table):
            raise StorageError(f"the target is not empty ({table} has rows); give an empty one")
    copied: dict[str, int] = {}
    for table in tables:
        copied[table] = 0
        after: Any = None
        key = await source.primary_key(table)
        while True:
            page = await _page(source, table, key, after)
            if not page.values:
                break
            await target.writer.submit(_insert, page)
            copied[table] += len(page.values)
            after = tuple(page.values[-1][page.columns.index(k)] for k in key)
    await target.after_copy()
    return copied


@storage_errors
async def _page(db: Database, table: str, key: tuple[str, ...], after: Any) -> Rows:
    """The next CHUNK_ROWS rows of `table` in key order (keyset: no OFFSET scans)."""
    order = ", ".join(key)
    if after is None:
        where, params = "", []
    else:
        # (a, b) > (?, ?) written out, as SQLite and PostgreSQL both read it
        terms = []
        for i in range(len(key)):
            equal = [f"{k} = ?" for k in key[:i]]
            terms.append("(" + " AND ".join([*equal, f"{key[i]} > ?"]) + ")")
        where = "WHERE " + " OR ".join(terms)
        params = [v for i in range(len(key)) for v in (*after[:i], after[i])]
    rows = await db.reader.fetch(
        f"SELECT * FROM {table} {where} ORDER BY {order} LIMIT ?",  # noqa: S608
        [*params, CHUNK_ROWS],
    )
    if not rows:
        return Rows(table, (), [])
    columns = tuple(rows[0].keys())
    return Rows(table, columns, [tuple(row) for row in rows])
