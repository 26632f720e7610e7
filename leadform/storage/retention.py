"""Retention: leads submitted before a cut-off deleted in slices, with what hangs on
them, and one audit row per purge (counts and the cut-off, no personal data)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from leadform.storage.errors import storage_errors
from leadform.storage.lead_removal import Removed, remove_leads
from leadform.storage.times import utc_iso

SLICE = 2000
"""Leads per write transaction: a first purge of a large backlog must not hold the
write lock long enough to make new leads wait."""


@dataclass(frozen=True)
class PurgeSlice:
    before: datetime  # leads submitted before this instant go


async def purge_slice(conn: aiosqlite.Connection, items: Sequence[PurgeSlice]) -> list[Removed]:
    """Delete up to SLICE leads submitted before the cut-off (a BatchWrite)."""
    results = []
    for item in items:
        async with conn.execute(
            "SELECT id FROM leads WHERE created_at < ? ORDER BY id LIMIT ?",
            (utc_iso(item.before), SLICE),
        ) as cursor:
            ids = [row[0] for row in await cursor.fetchall()]
        results.append(await remove_leads(conn, ids) if ids else Removed())
    return results


@dataclass(frozen=True)
class PurgeRecord:
    at: datetime
    cutoff_day: date
    actor_kind: str  # schedule | command
    removed: Removed


async def record_purge(conn: aiosqlite.Connection, items: Sequence[PurgeRecord]) -> list[int]:
    ids = []
    for item in items:
        cursor = await conn.execute(
            "INSERT INTO purges (purged_at, cutoff_day, actor_kind, leads, notifications, "
            "rate_hits, consent_wordings) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                utc_iso(item.at),
                item.cutoff_day.isoformat(),
                item.actor_kind,
                item.removed.leads,
                item.removed.notifications,
                item.removed.rate_hits,
                item.removed.consent_wordings,
            ),
        )
        ids.append(int(cursor.lastrowid or 0))
    return ids


@storage_errors
async def count_before(conn: aiosqlite.Connection, before: datetime) -> Removed:
    """What a purge with this cut-off would delete now (the dry run)."""
    sql = (
        "SELECT (SELECT count(*) FROM leads WHERE created_at < :at), "
        "(SELECT count(*) FROM notifications WHERE lead_id IN "
        "(SELECT id FROM leads WHERE created_at < :at)), "
        "(SELECT count(*) FROM rate_hits WHERE token_id IN "
        "(SELECT token_id FROM leads WHERE created_at < :at))"
    )
    async with conn.execute(sql, {"at": utc_iso(before)}) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return Removed(int(row[0]), int(row[1]), int(row[2]))


@storage_errors
async def last_purge(conn: aiosqlite.Connection) -> PurgeRecord | None:
    async with conn.execute(
        "SELECT purged_at, cutoff_day, actor_kind, leads, notifications, rate_hits, "
        "consent_wordings FROM purges ORDER BY id DESC LIMIT 1"
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    return PurgeRecord(
        datetime.fromisoformat(row[0]),
        date.fromisoformat(row[1]),
        row[2],
        Removed(row[3], row[4], row[5], row[6]),
    )
