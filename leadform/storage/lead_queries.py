"""Reading leads for staff: filtered pages, daily counts, and what export readers share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from leadform.domain.lead_filters import LeadFilter, UtcRange, phone_digits, utc_range
from leadform.domain.leads import LEAD_FIELDS, Lead
from leadform.storage.connection import Connection
from leadform.storage.errors import storage_errors
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
        # Case is ignored (lower() on both sides: PostgreSQL's LIKE, unlike SQLite's,
        # minds it): references (shown in capitals) and emails match however they are
        # typed; names in Chinese match as written.
        found = [
            f"lower({column}) LIKE lower(?) ESCAPE '\\'"
            for column in ("name", "email", "reference")
        ]
        params += [_like(f.query)] * len(found)
        digits = phone_digits(f.query)
        if digits:
            found.append("phone LIKE ? ESCAPE '\\'")
            params.append(_like(digits))
        conditions.append(f"({' OR '.join(found)})")
    return " AND ".join(conditions) or "1 = 1", params


@storage_errors
async def browse_leads(
    conn: Connection, query: LeadQuery, before_id: int | None, limit: int
) -> list[Lead]:
    """Newest first, keyset-paginated: the page of leads with ids below `before_id`."""
    where, params = where_clause(query)
    if before_id is not None:
        where += " AND id < ?"
        params.append(before_id)
    sql = f"SELECT {LEAD_COLUMNS} FROM leads WHERE {where} ORDER BY id DESC LIMIT ?"  # noqa: S608
    return [lead_from_row(row) for row in await conn.fetch(sql, [*params, limit])]


@storage_errors
async def browse_leads_newer(
    conn: Connection, query: LeadQuery, after_id: int, limit: int
) -> list[Lead]:
    """Oldest first: the `limit` matching leads just above `after_id` (the page before
    one that starts at `after_id`, read by keyset from its lower end)."""
    where, params = where_clause(query)
    sql = f"SELECT {LEAD_COLUMNS} FROM leads WHERE {where} AND id > ? ORDER BY id LIMIT ?"  # noqa: S608
    return [lead_from_row(row) for row in await conn.fetch(sql, [*params, after_id, limit])]


@dataclass(frozen=True)
class LeadTotal:
    locale: str
    treatment: str
    count: int


@storage_errors
async def lead_totals(conn: Connection) -> list[LeadTotal]:
    """Leads stored per language and treatment (for the metrics)."""
    rows = await conn.fetch(
        "SELECT locale, treatment, count(*) FROM leads GROUP BY locale, treatment"
    )
    return [LeadTotal(str(row[0]), str(row[1]), int(row[2])) for row in rows]


@storage_errors
async def count_leads_after(conn: Connection, query: LeadQuery, after_id: int) -> int:
    where, params = where_clause(query)
    sql = f"SELECT count(*) FROM leads WHERE {where} AND id > ?"  # noqa: S608 - built above
    row = await conn.fetchrow(sql, [*params, after_id])
    return int(row[0]) if row else 0


@storage_errors
async def daily_counts(
    conn: Connection, days: Sequence[tuple[date, datetime, datetime]]
) -> dict[tuple[date, str], int]:
    """Leads per (day, treatment); each day given as its UTC [start, end)."""
    if not days:
        return {}
    # Typed values: PostgreSQL cannot tell a bare placeholder's type in VALUES.
    values = ", ".join("(CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT))" for _ in days)
    params: list[object] = []
    for day, start, end in days:
        params += [day.isoformat(), utc_iso(start), utc_iso(end)]
    sql = (
        f"WITH days (day, day_start, day_end) AS (VALUES {values}) "  # noqa: S608
        "SELECT days.day, leads.treatment, count(*) FROM days JOIN leads "
        "ON leads.created_at >= days.day_start AND leads.created_at < days.day_end "
        "GROUP BY days.day, leads.treatment"
    )
    rows = await conn.fetch(sql, params)
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


class ExportReader(Protocol):
    """Chunks of leads in id order for one export, each read in its own short
    transaction. Blocking: call from a worker thread, one call at a time."""

    def last_id(self) -> int:
        """The cursor an export starting now ends at: every lead up to it is
        committed, and no lead committed later gets an id at or below it."""
        ...

    def count(self, query: LeadQuery, after_id: int, upto_id: int) -> int: ...

    def chunk(self, query: LeadQuery, after_id: int, upto_id: int, limit: int) -> list[Lead]:
        """Up to `limit` matching leads with after_id < id <= upto_id, oldest first."""
        ...

    def text_chunk(
        self, query: LeadQuery, after_id: int, upto_id: int, limit: int
    ) -> tuple[list[tuple[str, ...]], int]:
        """Like `chunk`, as LEAD_FIELDS text with submitted_at in UTC, plus the last
        id read (`after_id` when none): for the CSV export, which needs no Lead."""
        ...

    def close(self) -> None: ...
