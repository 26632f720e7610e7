"""The export audit log: who exported which leads, when, how."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from leadform.storage.errors import storage_errors
from leadform.storage.times import utc_iso


@dataclass(frozen=True)
class NewExport:
    started_at: datetime
    actor: str
    actor_kind: str  # staff | token | command
    staff_id: int | None
    api_token_id: int | None
    format: str
    filters: str  # JSON
    after_id: int
    upto_id: int


@dataclass(frozen=True)
class FinishedExport:
    export_id: int
    finished_at: datetime
    row_count: int
    complete: bool


@dataclass(frozen=True)
class ExportRecord:
    id: int
    started_at: datetime
    finished_at: datetime | None
    actor: str
    actor_kind: str
    format: str
    filters: str
    after_id: int
    upto_id: int
    row_count: int
    status: str


async def start_export(conn: aiosqlite.Connection, items: Sequence[NewExport]) -> list[int]:
    ids = []
    for new in items:
        cursor = await conn.execute(
            "INSERT INTO exports (started_at, actor, actor_kind, staff_id, api_token_id, "
            "format, filters, after_id, upto_id, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'streaming')",
            (
                utc_iso(new.started_at),
                new.actor,
                new.actor_kind,
                new.staff_id,
                new.api_token_id,
                new.format,
                new.filters,
                new.after_id,
                new.upto_id,
            ),
        )
        ids.append(int(cursor.lastrowid or 0))
    return ids


async def finish_export(conn: aiosqlite.Connection, items: Sequence[FinishedExport]) -> list[None]:
    await conn.executemany(
        "UPDATE exports SET finished_at = ?, row_count = ?, status = ? WHERE id = ?",
        [
            (
                utc_iso(item.finished_at),
                item.row_count,
                "complete" if item.complete else "interrupted",
                item.export_id,
            )
            for item in items
        ],
    )
    return [None] * len(items)


def _record(row: aiosqlite.Row) -> ExportRecord:
    finished = row["finished_at"]
    return ExportRecord(
        id=row["id"],
        started_at=datetime.fromisoformat(row["started_at"]),
        finished_at=datetime.fromisoformat(finished) if finished else None,
        actor=row["actor"],
        actor_kind=row["actor_kind"],
        format=row["format"],
        filters=row["filters"],
        after_id=row["after_id"],
        upto_id=row["upto_id"],
        row_count=row["row_count"],
        status=row["status"],
    )


_COLUMNS = (
    "id, started_at, finished_at, actor, actor_kind, format, filters, after_id, upto_id, "
    "row_count, status"
)


@storage_errors
async def list_exports(
    conn: aiosqlite.Connection, before_id: int | None, limit: int
) -> list[ExportRecord]:
    """Newest first, keyset-paginated."""
    where = "WHERE id < ?" if before_id is not None else ""
    params = [before_id] if before_id is not None else []
    sql = f"SELECT {_COLUMNS} FROM exports {where} ORDER BY id DESC LIMIT ?"  # noqa: S608
    async with conn.execute(sql, [*params, limit]) as cursor:
        return [_record(row) for row in await cursor.fetchall()]


@storage_errors
async def list_exports_newer(
    conn: aiosqlite.Connection, after_id: int, limit: int
) -> list[ExportRecord]:
    """Oldest first: the `limit` records just above `after_id`."""
    sql = f"SELECT {_COLUMNS} FROM exports WHERE id > ? ORDER BY id LIMIT ?"  # noqa: S608
    async with conn.execute(sql, (after_id, limit)) as cursor:
        return [_record(row) for row in await cursor.fetchall()]


@storage_errors
async def last_complete_export(conn: aiosqlite.Connection, staff_id: int) -> ExportRecord | None:
    """The staff member's latest export that reached its end (for "new since")."""
    sql = (
        f"SELECT {_COLUMNS} FROM exports WHERE staff_id = ? AND status = 'complete' "  # noqa: S608
        "ORDER BY id DESC LIMIT 1"
    )
    async with conn.execute(sql, (staff_id,)) as cursor:
        row = await cursor.fetchone()
    return _record(row) if row else None
