"""The export audit log: who exported which leads, when, how."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from leadform.domain.lead_filters import LeadFilter, recorded_filter
from leadform.storage.errors import storage_errors
from leadform.storage.lead_queries import lead_query, where_clause
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

    def filter_params(self) -> dict[str, str]:
        """The filters as the export recorded them (`LeadFilter.as_params`)."""
        stored = json.loads(self.filters)
        return {k: v for k, v in stored.items() if isinstance(v, str)}


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


@dataclass(frozen=True)
class ExportIncluding:
    """An export that included some of the given leads, and how many."""

    record: ExportRecord
    lead_count: int


async def exports_including(
    conn: aiosqlite.Connection, lead_ids: Sequence[int], zone: ZoneInfo
) -> list[ExportIncluding]:
    """The exports that included any of these leads, oldest first: each export's id
    range and recorded filters are applied to the leads again (an export keeps no list
    of lead ids). An interrupted export counts: its file may hold them. A filter that
    cannot be read back counts as no filter, so no export that may hold them is left out."""
    if not lead_ids:
        return []
    sql = (
        f"SELECT {_COLUMNS} FROM exports WHERE after_id < ? AND upto_id >= ? "  # noqa: S608
        "ORDER BY id"
    )
    async with conn.execute(sql, (max(lead_ids), min(lead_ids))) as cursor:
        records = [_record(row) for row in await cursor.fetchall()]
    found = []
    for record in records:
        count = await _included(conn, record, lead_ids, zone)
        if count:
            found.append(ExportIncluding(record, count))
    return found


async def _included(
    conn: aiosqlite.Connection, record: ExportRecord, lead_ids: Sequence[int], zone: ZoneInfo
) -> int:
    lead_filter = recorded_filter(record.filter_params()) or LeadFilter()
    where, params = where_clause(lead_query(lead_filter, zone), as_of=record.started_at)
    marks = ",".join("?" * len(lead_ids))  # only placeholders are interpolated
    sql = (
        f"SELECT count(*) FROM leads WHERE id IN ({marks}) "  # noqa: S608
        f"AND id > ? AND id <= ? AND {where}"
    )
    async with conn.execute(sql, [*lead_ids, record.after_id, record.upto_id, *params]) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


@storage_errors
async def read_exports_including(
    conn: aiosqlite.Connection, lead_ids: Sequence[int], zone: ZoneInfo
) -> list[ExportIncluding]:
    return await exports_including(conn, lead_ids, zone)
