"""Reading leads for staff: filtered pages, daily counts, and export chunks.

Export chunks are read with the standard library's sqlite3 on a connection of the
export's own, from a worker thread: each chunk is one short read transaction, so a
long export never pins a snapshot and the WAL can be checkpointed while it runs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite

from leadform.domain.lead_filters import LeadFilter, UtcRange, phone_digits, utc_range
from leadform.domain.leads import LEAD_FIELDS, Lead
from leadform.storage.errors import storage_errors, storage_errors_blocking
from leadform.storage.leads import LEAD_COLUMNS, lead_from_row
from leadform.storage.times import utc_iso


@dataclass(frozen=True)
class LeadQuery:
    """A filter with its dates already turned into UTC bounds."""

    filter: LeadFilter
    submitted: UtcRange


def lead_query(lead_filter: LeadFilter, zone: ZoneInfo) -> LeadQuery:
    """The filter with its clinic dates turned into UTC bounds."""
    return LeadQuery(lead_filter, utc_range(lead_filter, zone))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Marketing consent given on the form and not withdrawn since (the opt-out link).
_MARKETING_NOW = "(consent_marketing = 1 AND marketing_withdrawn_at IS NULL)"
# The same as it stood at a past instant (which leads an earlier export selected).
_MARKETING_AS_OF = (
    "(consent_marketing = 1 AND (marketing_withdrawn_at IS NULL OR marketing_withdrawn_at > ?))"
)


def where_clause(query: LeadQuery, as_of: datetime | None = None) -> tuple[str, list[object]]:
    """SQL conditions and parameters for a filter (values are always parameters);
    `as_of` evaluates marketing consent as it stood then instead of now."""
    conditions: list[str] = []
    params: list[object] = []
    f = query.filter
    if query.submitted.start is not None:
        conditions.append("created_at >= ?")
        params.append(utc_iso(query.submitted.start))
    if query.submitted.end is not None:
        conditions.append("created_at < ?")
        params.append(utc_iso(query.submitted.end))
    for column, value in (("treatment", f.treatment), ("locale", f.locale)):
        if value is not None:
            conditions.append(f"{column} = ?")
            params.append(value)
    if f.marketing is not None:
        consented = _MARKETING_NOW if as_of is None else _MARKETING_AS_OF
        conditions.append(consented if f.marketing else f"NOT {consented}")
        params += [] if as_of is None else [utc_iso(as_of)]
    if f.query:
        # LIKE ignores ASCII case: references (shown in capitals) and emails match
        # however they are typed; names in Chinese match as written.
        found = [f"{column} LIKE ? ESCAPE '\\'" for column in ("name", "email", "reference")]
        params += [_like(f.query)] * len(found)
        digits = phone_digits(f.query)
        if digits:
            found.append("phone LIKE ? ESCAPE '\\'")
            params.append(_like(digits))
        conditions.append(f"({' OR '.join(found)})")
    return " AND ".join(conditions) or "1", params


@storage_errors
async def browse_leads(
    conn: aiosqlite.Connection, query: LeadQuery, before_id: int | None, limit: int
) -> list[Lead]:
    """Newest first, keyset-paginated: the page of leads with ids below `before_id`."""
    where, params = where_clause(query)
    if before_id is not None:
        where += " AND id < ?"
        params.append(before_id)
    sql = f"SELECT {LEAD_COLUMNS} FROM leads WHERE {where} ORDER BY id DESC LIMIT ?"  # noqa: S608
    async with conn.execute(sql, [*params, limit]) as cursor:
        return [lead_from_row(row) for row in await cursor.fetchall()]


@storage_errors
async def browse_leads_newer(
    conn: aiosqlite.Connection, query: LeadQuery, after_id: int, limit: int
) -> list[Lead]:
    """Oldest first: the `limit` matching leads just above `after_id` (the page before
    one that starts at `after_id`, read by keyset from its lower end)."""
    where, params = where_clause(query)
    sql = f"SELECT {LEAD_COLUMNS} FROM leads WHERE {where} AND id > ? ORDER BY id LIMIT ?"  # noqa: S608
    async with conn.execute(sql, [*params, after_id, limit]) as cursor:
        return [lead_from_row(row) for row in await cursor.fetchall()]


@storage_errors
async def count_leads_after(conn: aiosqlite.Connection, query: LeadQuery, after_id: int) -> int:
    where, params = where_clause(query)
    sql = f"SELECT count(*) FROM leads WHERE {where} AND id > ?"  # noqa: S608 - built above
    async with conn.execute(sql, [*params, after_id]) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


@storage_errors
async def daily_counts(
    conn: aiosqlite.Connection, days: Sequence[tuple[date, datetime, datetime]]
) -> dict[tuple[date, str], int]:
    """Leads per (day, treatment); each day given as its UTC [start, end)."""
    if not days:
        return {}
    values = ", ".join("(?, ?, ?)" for _ in days)
    params: list[object] = []
    for day, start, end in days:
        params += [day.isoformat(), utc_iso(start), utc_iso(end)]
    sql = (
        f"WITH days (day, start, end) AS (VALUES {values}) "  # noqa: S608 - placeholders only
        "SELECT days.day, leads.treatment, count(*) FROM days JOIN leads "
        "ON leads.created_at >= days.start AND leads.created_at < days.end "
        "GROUP BY days.day, leads.treatment"
    )
    async with conn.execute(sql, params) as cursor:
        rows = await cursor.fetchall()
    return {(date.fromisoformat(row[0]), row[1]): int(row[2]) for row in rows}


# The export's fields as stored text, in LEAD_FIELDS order, for the CSV fast path:
# SQLite does the yes/no in C and Python only converts submitted_at (still UTC here)
# to the clinic's zone. A test checks these give exactly what lead_fields() gives.
_TEXT_EXPRESSIONS = {
    "submitted_at": "created_at",
    "consent_marketing": (
        "CASE WHEN consent_marketing = 0 OR marketing_withdrawn_at IS NOT NULL "
        "THEN 'no' ELSE 'yes' END"
    ),
    "marketing_withdrawn_at": "coalesce(marketing_withdrawn_at, '')",  # UTC: Python converts
    "opt_out_url": "''",  # signed in Python, from reference and locale
}
EXPORT_TEXT_COLUMNS = ", ".join(_TEXT_EXPRESSIONS.get(name, name) for name in LEAD_FIELDS)


class ExportReader:
    """Chunks of leads in id order, each read in its own short transaction.

    Blocking (sqlite3): call from a worker thread, one call at a time.
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
