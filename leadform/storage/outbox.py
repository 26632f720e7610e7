"""The notification outbox: rows queued with their lead, claimed with a lease, settled.

Queueing runs inside the lead's own transaction (see `write_leads`), so a lead is never
stored without its notifications. Delivery tasks claim due rows with a conditional
UPDATE inside a write transaction that serialises "outbox claims": SQLite lets one
writer in at a time across processes anyway; on PostgreSQL an advisory lock makes
the claims of every instance take turns (so the in-flight counts they read are
current) and FOR UPDATE SKIP LOCKED steps over rows a settlement is writing. Two
processes never hold the same row. A lease that runs out (its
process died mid-delivery) makes the row claimable again: delivery is at least once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from leadform.domain.notifications import NotificationTarget
from leadform.storage.connection import Connection, Row
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
    conn: Connection, leads: Sequence[tuple[int, datetime, Sequence[NotificationTarget]]]
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
    ORDER BY due.next_attempt_at, due.id LIMIT ?){skip_locked}
RETURNING id, delivery_id, lead_id, channel, target, attempts, created_at, window_started_at
"""


async def claim_notifications(
    conn: Connection, claims: Sequence[Claim]
) -> list[list[Notification]]:
    """Lease up to `limit` due rows to each claim's owner, within each receiver's
    in-flight bound (a BatchWrite)."""
    results: list[list[Notification]] = []
    for claim in claims:
        if not claim.channels:
            results.append([])
            continue
        await conn.serialise([OUTBOX_CLAIMS])
        sql, params = _claim_query(claim, conn.engine == "postgresql")
        rows = await conn.fetch(sql, params)
        results.append(sorted((_notification(row) for row in rows), key=lambda n: n.id))
    return results


OUTBOX_CLAIMS = "outbox claims"

# PostgreSQL: lock the chosen rows, stepping over any another transaction holds.
_SKIP_LOCKED = """
    AND id IN (SELECT id FROM notifications WHERE id IN (
        SELECT due.id FROM due LEFT JOIN busy USING (channel, receiver)
        WHERE due.most IS NULL OR due.place + coalesce(busy.leased, 0) <= due.most)
    FOR UPDATE SKIP LOCKED)"""


def _claim_query(claim: Claim, skip_locked: bool) -> tuple[str, tuple[object, ...]]:
    bounds: list[object] = []
    for channel in claim.channels:
        bound = claim.in_flight.get(channel)
        bounds += [channel, bound.most if bound else None, bound.per_target if bound else True]
    # Only placeholders; typed, as PostgreSQL cannot tell a bare one's type in VALUES.
    marks = ",".join(
        "(CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS BOOLEAN))" for _ in claim.channels
    )
    now = utc_iso(claim.now)
    params = (*bounds, now, now, now, claim.owner, utc_iso(claim.lease_until), claim.limit)
    sql = _CLAIM.format(bounds=marks, skip_locked=_SKIP_LOCKED if skip_locked else "")
    return sql, params


def _notification(row: Row) -> Notification:
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


async def settle_notifications(conn: Connection, settlements: Sequence[Settlement]) -> list[bool]:
    """Record attempts (a BatchWrite); False where the lease was lost meanwhile."""
    done = []
    for s in settlements:
        finished = utc_iso(s.at) if s.status != PENDING else None
        retry_at = utc_iso(s.retry_at) if s.retry_at else None
        changed = await conn.execute(
            _SETTLE, (s.status, retry_at, s.error, finished, s.id, s.owner)
        )
        done.append(changed == 1)
    return done


async def release_leases(conn: Connection, releases: Sequence[Release]) -> list[int]:
    """Give back rows an owner claimed but did not settle (it is stopping)."""
    counts = []
    for release in releases:
        changed = await conn.execute(
            "UPDATE notifications SET lease_owner = NULL, lease_until = NULL "
            "WHERE lease_owner = ? AND status = 'pending'",
            (release.owner,),
        )
        counts.append(changed)
    return counts


async def retry_notifications(conn: Connection, retries: Sequence[Retry]) -> list[RetryCounts]:
    """Make pending rows due now; with include_failed, give failed rows a new window."""
    results = []
    for retry in retries:
        now = utc_iso(retry.now)
        made_due = await conn.execute(
            "UPDATE notifications SET next_attempt_at = ? "
            "WHERE status = 'pending' AND next_attempt_at > ?",
            (now, now),
        )
        requeued = 0
        if retry.include_failed:
            requeued = await conn.execute(
                "UPDATE notifications SET status = 'pending', attempts = 0, finished_at = NULL, "
                "window_started_at = ?, next_attempt_at = ? WHERE status = 'failed'",
                (now, now),
            )
        results.append(RetryCounts(made_due, requeued))
    return results


_NEXT_DUE = """
SELECT min(CASE WHEN lease_until > next_attempt_at THEN lease_until ELSE next_attempt_at END)
FROM notifications WHERE status = 'pending' AND channel IN ({marks})
"""


@storage_errors
async def next_due(conn: Connection, channels: Sequence[str]) -> datetime | None:
    """When the earliest pending row of these channels can next be claimed."""
    if not channels:
        return None
    marks = ",".join("?" * len(channels))  # only placeholders are interpolated
    query = _NEXT_DUE.format(marks=marks)
    row = await conn.fetchrow(query, tuple(channels))
    return datetime.fromisoformat(row[0]) if row and row[0] else None


@storage_errors
async def backlog(conn: Connection) -> Backlog:
    """How many rows wait and since when (cheap: the health check asks)."""
    row = await conn.fetchrow(
        "SELECT count(*), min(window_started_at) FROM notifications WHERE status = 'pending'"
    )
    assert row is not None
    oldest = datetime.fromisoformat(row[1]) if row[1] else None
    return Backlog(int(row[0]), oldest)


@storage_errors
async def channel_counts(conn: Connection) -> list[ChannelCounts]:
    rows = await conn.fetch(
        "SELECT channel, status, count(*) AS n FROM notifications GROUP BY channel, status"
    )
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["channel"], dict.fromkeys(STATUSES, 0))[row["status"]] = row["n"]
    return [ChannelCounts(channel, **by_status) for channel, by_status in sorted(counts.items())]


@storage_errors
async def problems(conn: Connection, limit: int = 20) -> list[DeliveryProblem]:
    """The latest failed notifications and those being retried, newest first."""
    rows = await conn.fetch(
        "SELECT l.reference, n.channel, n.target, n.status, n.attempts, n.last_error, "
        "n.next_attempt_at FROM notifications n JOIN leads l ON l.id = n.lead_id "
        "WHERE n.status = 'failed' OR (n.status = 'pending' AND n.last_error != '') "
        "ORDER BY n.id DESC LIMIT ?",
        (limit,),
    )
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
