"""Jobs that one instance at a time runs once per clinic day (the retention purge):
a lease row claimed with a conditional UPDATE inside the writer's BEGIN IMMEDIATE, so
instances sharing the database never run the job together. A lease that runs out
(its process died) lets another instance take the job over."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from leadform.storage.errors import storage_errors
from leadform.storage.times import utc_iso


@dataclass(frozen=True)
class JobClaim:
    name: str
    owner: str
    now: datetime
    until: datetime
    day: date  # the clinic day this run is for


async def claim_job(conn: aiosqlite.Connection, claims: Sequence[JobClaim]) -> list[bool]:
    """True for the one claim that may run the job for its day (a BatchWrite)."""
    results = []
    for claim in claims:
        await conn.execute(
            "INSERT INTO job_leases (name) VALUES (?) ON CONFLICT (name) DO NOTHING",
            (claim.name,),
        )
        cursor = await conn.execute(
            "UPDATE job_leases SET owner = ?, lease_until = ? WHERE name = ? "
            "AND (lease_until IS NULL OR lease_until <= ?) "
            "AND (last_day IS NULL OR last_day < ?)",
            (
                claim.owner,
                utc_iso(claim.until),
                claim.name,
                utc_iso(claim.now),
                claim.day.isoformat(),
            ),
        )
        results.append(cursor.rowcount == 1)
        await cursor.close()
    return results


@dataclass(frozen=True)
class JobDone:
    name: str
    owner: str
    day: date | None  # None: the run failed; the job stays due


async def finish_job(conn: aiosqlite.Connection, items: Sequence[JobDone]) -> list[bool]:
    results = []
    for item in items:
        cursor = await conn.execute(
            "UPDATE job_leases SET owner = NULL, lease_until = NULL, "
            "last_day = coalesce(?, last_day) WHERE name = ? AND owner = ?",
            (item.day.isoformat() if item.day else None, item.name, item.owner),
        )
        results.append(cursor.rowcount == 1)
        await cursor.close()
    return results


@storage_errors
async def last_run_day(conn: aiosqlite.Connection, name: str) -> date | None:
    async with conn.execute("SELECT last_day FROM job_leases WHERE name = ?", (name,)) as cursor:
        row = await cursor.fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else None
