"""The notification outbox: rows queued with their lead, claimed with a lease, settled.

Queueing runs inside the lead's own transaction (see `write_leads`), so a lead is never
stored without its notifications. Delivery tasks claim due rows with a conditional
UPDATE inside the writer's BEGIN IMMEDIATE: SQLite lets one writer in at a time across
processes, so two processes never hold the same row. A lease that runs out (its
process died mid-delivery) makes the row claimable again: delivery is at least once.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import aiosqlite

from leadform.domain.notifications import NotificationTarget
from leadform.storage.errors import storage_errors
from leadform.storage.times import utc_iso

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
STATUSES = (PENDING, DELIVERED, FAILED)


@dataclass(frozen=True)
class Notification:
    """A claimed outbox row: what a sender needs, without the lead's data."""

    id: int
    delivery_id: str
    lead_id: int
    channel: str
    target: str
    attempt: int  # 1 for the first try
    created_at: datetime
    window_started_at: datetime


@dataclass(frozen=True)
class InFlight:
    """At most `most` rows leased at once to one receiver, counting every process's
    leases: a receiver is each target (a webhook URL) or, when `per_target` is false,
    the whole channel (every email goes through the one SMTP server)."""

    most: int
    per_target: bool = True


@dataclass(frozen=True)
class Claim:
    owner: str
    now: datetime
    lease_until: datetime
    channels: tuple[str, ...]
    limit: int
    in_flight: Mapping[str, InFlight] = field(default_factory=dict)  # none: unbounded


@dataclass(frozen=True)
class Settlement:
    """The outcome of one attempt: delivered, failed, or pending until `retry_at`."""

    id: int
    owner: str
    status: str
    at: datetime
    error: str = ""
    retry_at: datetime | None = None


@dataclass(frozen=True)
class Release:
    owner: str


@dataclass(frozen=True)
class Retry:
    now: datetime
    include_failed: bool


@dataclass(frozen=True)
class RetryCounts:
    pending_made_due: int
    failed_requeued: int


@dataclass(frozen=True)
class ChannelCounts:
    channel: str
    pending: int
    delivered: int
    failed: int


@dataclass(frozen=True)
class DeliveryProblem:
    """A notification that failed or is being retried, for `notifications status`."""

    reference: str
    channel: str
    target: str
    status: str
    attempts: int
    last_error: str
    next_attempt_at: datetime


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_pending_since: datetime | None


_INSERT = """
INSERT INTO notifications (delivery_id, lead_id, channel, target, created_at,
    window_started_at, next_attempt_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (lead_id, channel, target) DO NOTHING
"""


async def queue_notifications(
    conn: aiosqlite.Connection, leads: Sequence[tuple[int, datetime, Sequence[NotificationTarget]]]
) -> None:
    """Queue each (lead id, stored at, targets); runs inside the lead's transaction."""
    rows = []
    for lead_id, at, targets in leads:
        when = utc_iso(at)
        for target in targets:
            # A random key: stable because it is stored, unguessable by a receiver's peers.
            key = str(uuid.uuid4())
            rows.append((key, lead_id, target.channel, target.target, when, when, when))
    if rows:
        await conn.executemany(_INSERT, rows)


# Due rows are numbered per receiver; a row is claimed when its number plus the rows
# already leased to that receiver (by any process) stays within the receiver's bound.
_CLAIM = """
WITH bounds (channel, most, per_target) AS (VALUES {bounds}),
pending AS (
    SELECT n.id, n.channel, n.next_attempt_at, n.lease_until, b.most,
        CASE WHEN b.per_target THEN n.target ELSE '' END AS receiver
    FROM notifications n JOIN bounds b USING (channel)
    WHERE n.status = 'pending'
),
busy AS (
    SELECT channel, receiver, count(*) AS leased FROM pending WHERE lease_until > ?
    GROUP BY channel, receiver
),
due AS (
    SELECT id, channel, receiver, most, next_attempt_at,
        row_number() OVER (PARTITION BY channel, receiver ORDER BY next_attempt_at, id) AS place
    FROM pending
    WHERE next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
)
UPDATE notifications SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
WHERE id IN (
    SELECT due.id FROM due LEFT JOIN busy USING (channel, receiver)
    WHERE due.most IS NULL OR due.place + coalesce(busy.leased, 0) <= due.most
    ORDER BY due.next_attempt_at, due.id LIMIT ?)
RETURNING id, delivery_id, lead_id, channel, target, attempts, created_at, window_started_at
"""


async def claim_notifications(
    conn: aiosqlite.Connection, claims: Sequence[Claim]
) -> list[list[Notification]]:
    """Lease up to `limit` due rows to each claim's owner, within each receiver's
    in-flight bound (a BatchWrite)."""
    results: list[list[Notification]] = []
    for claim in claims:
        if not claim.channels:
            results.append([])
            continue
        sql, params = _claim_query(claim)
        async with conn.execute(sql, params) as cursor:
            rows = await cursor.fetchall()
        results.append(sorted((_notification(row) for row in rows), key=lambda n: n.id))
    return results


def _claim_query(claim: Claim) -> tuple[str, tuple[object, ...]]:
    bounds: list[object] = []
    for channel in claim.channels:
        bound = claim.in_flight.get(channel)
        bounds += [channel, bound.most if bound else None, bound.per_target if bound else True]
    marks = ",".join("(?, ?, ?)" for _ in claim.channels)  # only placeholders
    now = utc_iso(claim.now)
    params = (*bounds, now, now, now, claim.owner, utc_iso(claim.lease_until), claim.limit)
    return _CLAIM.format(bounds=marks), params


def _notification(row: sqlite3.Row) -> Notification:
    return Notification(
        id=row["id"],
        delivery_id=row["delivery_id"],
        lead_id=row["lead_id"],
        channel=row["channel"],
        target=row["target"],
        attempt=row["attempts"],
        created_at=datetime.fromisoformat(row["created_at"]),
        window_started_at=datetime.fromisoformat(row["window_started_at"]),
    )


_SETTLE = """
UPDATE notifications
SET status = ?, next_attempt_at = coalesce(?, next_attempt_at), last_error = ?,
    finished_at = ?, lease_owner = NULL, lease_until = NULL
WHERE id = ? AND lease_owner = ? AND status = 'pending'
"""


async def settle_notifications(
    conn: aiosqlite.Connection, settlements: Sequence[Settlement]
) -> list[bool]:
    """Record attempts (a BatchWrite); False where the lease was lost meanwhile."""
    done = []
    for s in settlements:
        finished = utc_iso(s.at) if s.status != PENDING else None
        retry_at = utc_iso(s.retry_at) if s.retry_at else None
        cursor = await conn.execute(_SETTLE, (s.status, retry_at, s.error, finished, s.id, s.owner))
        done.append(cursor.rowcount == 1)
        await cursor.close()
    return done


async def release_leases(conn: aiosqlite.Connection, releases: Sequence[Release]) -> list[int]:
    """Give back rows an owner claimed but did not settle (it is stopping)."""
    counts = []
    for release in releases:
        cursor = await conn.execute(
            "UPDATE notifications SET lease_owner = NULL, lease_until = NULL "
            "WHERE lease_owner = ? AND status = 'pending'",
            (release.owner,),
        )
        counts.append(cursor.rowcount)
        await cursor.close()
    return counts


async def retry_notifications(
    conn: aiosqlite.Connection, retries: Sequence[Retry]
) -> list[RetryCounts]:
    """Make pending rows due now; with include_failed, give failed rows a new window."""
    results = []
    for retry in retries:
        now = utc_iso(retry.now)
        cursor = await conn.execute(
            "UPDATE notifications SET next_attempt_at = ? "
            "WHERE status = 'pending' AND next_attempt_at > ?",
            (now, now),
        )
        made_due = cursor.rowcount
        await cursor.close()
        requeued = 0
        if retry.include_failed:
            cursor = await conn.execute(
                "UPDATE notifications SET status = 'pending', attempts = 0, finished_at = NULL, "
                "window_started_at = ?, next_attempt_at = ? WHERE status = 'failed'",
                (now, now),
            )
            requeued = cursor.rowcount
            await cursor.close()
        results.append(RetryCounts(made_due, requeued))
    return results


_NEXT_DUE = """
SELECT min(max(next_attempt_at, coalesce(lease_until, next_attempt_at)))
FROM notifications WHERE status = 'pending' AND channel IN ({marks})
"""


@storage_errors
async def next_due(conn: aiosqlite.Connection, channels: Sequence[str]) -> datetime | None:
    """When the earliest pending row of these channels can next be claimed."""
    if not channels:
        return None
    marks = ",".join("?" * len(channels))  # only placeholders are interpolated
    query = _NEXT_DUE.format(marks=marks)
    async with conn.execute(query, tuple(channels)) as cursor:
        row = await cursor.fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


@storage_errors
async def backlog(conn: aiosqlite.Connection) -> Backlog:
    """How many rows wait and since when (cheap: the health check asks)."""
    async with conn.execute(
        "SELECT count(*), min(window_started_at) FROM notifications WHERE status = 'pending'"
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    oldest = datetime.fromisoformat(row[1]) if row[1] else None
    return Backlog(int(row[0]), oldest)


@storage_errors
async def channel_counts(conn: aiosqlite.Connection) -> list[ChannelCounts]:
    async with conn.execute(
        "SELECT channel, status, count(*) AS n FROM notifications GROUP BY channel, status"
    ) as cursor:
        rows = await cursor.fetchall()
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["channel"], dict.fromkeys(STATUSES, 0))[row["status"]] = row["n"]
    return [ChannelCounts(channel, **by_status) for channel, by_status in sorted(counts.items())]


@storage_errors
async def problems(conn: aiosqlite.Connection, limit: int = 20) -> list[DeliveryProblem]:
    """The latest failed notifications and those being retried, newest first."""
    async with conn.execute(
        "SELECT l.reference, n.channel, n.target, n.status, n.attempts, n.last_error, "
        "n.next_attempt_at FROM notifications n JOIN leads l ON l.id = n.lead_id "
        "WHERE n.status = 'failed' OR (n.status = 'pending' AND n.last_error != '') "
        "ORDER BY n.id DESC LIMIT ?",
        (limit,),
    ) as cursor:
        rows = await cursor.fetchall()
    return [
        DeliveryProblem(
            reference=row["reference"],
            channel=row["channel"],
            target=row["target"],
            status=row["status"],
            attempts=row["attempts"],
            last_error=row["last_error"],
            next_attempt_at=datetime.fromisoformat(row["next_attempt_at"]),
        )
        for row in rows
    ]
