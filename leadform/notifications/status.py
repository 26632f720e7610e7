"""How delivery is doing, for `leadform notifications status`, /healthz, /readyz and
the admin page: counts per channel, and whether anything waits too long."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from leadform.i18n.messages import N_
from leadform.storage import StorageError
from leadform.storage.outbox import Backlog, ChannelCounts, DeliveryProblem, backlog, channel_counts
from leadform.storage.outbox import problems as recent_problems

BACKLOG_ALERT = timedelta(minutes=15)
"""A notification pending longer than this is a backlog worth an alert."""

# What people read for the stored channel and status names (the admin page).
CHANNEL_LABELS = {"email": N_("Emails"), "webhook": N_("Webhooks")}
STATUS_LABELS = {"pending": N_("Pending"), "delivered": N_("Delivered"), "failed": N_("Failed")}


@dataclass(frozen=True)
class BacklogStatus:
    pending: int
    oldest_pending_since: datetime | None
    now: datetime

    @property
    def oldest_pending_age(self) -> timedelta | None:
        if self.oldest_pending_since is None:
            return None
        return max(timedelta(0), self.now - self.oldest_pending_since)

    @property
    def backlog(self) -> bool:
        age = self.oldest_pending_age
        return age is not None and age > BACKLOG_ALERT

    def as_dict(self) -> dict[str, Any]:
        age = self.oldest_pending_age
        return {
            "pending": self.pending,
            "oldest_pending_seconds": int(age.total_seconds()) if age is not None else None,
            "backlog": self.backlog,
        }


@dataclass(frozen=True)
class NotificationStatus:
    """The summary: pending/delivered/failed per channel, the backlog, recent problems."""

    channels: tuple[ChannelCounts, ...]
    backlog: BacklogStatus
    problems: tuple[DeliveryProblem, ...]


async def backlog_status(conn: aiosqlite.Connection, now: datetime) -> BacklogStatus:
    """Cheap enough for every health check."""
    try:
        found: Backlog = await backlog(conn)
    except (sqlite3.Error, ValueError) as exc:
        raise StorageError(str(exc)) from exc
    return BacklogStatus(found.pending, found.oldest_pending_since, now)


async def notification_status(
    conn: aiosqlite.Connection, now: datetime, problem_limit: int = 20
) -> NotificationStatus:
    """Everything `notifications status` prints; the admin page can show the same."""
    waiting = await backlog_status(conn, now)
    try:
        counts = await channel_counts(conn)
        latest = await recent_problems(conn, problem_limit)
    except (sqlite3.Error, ValueError) as exc:
        raise StorageError(str(exc)) from exc
    return NotificationStatus(tuple(counts), waiting, tuple(latest))
