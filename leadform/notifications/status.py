"""How delivery is doing, for `leadform notifications status`, /healthz, /readyz and
the admin page: counts per channel, and whether anything waits too long."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from leadform.i18n.messages import N_
from leadform.storage import Database
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


async def backlog_status(db: Database, now: datetime) -> BacklogStatus:
    """Cheap enough for every health check. Raises StorageError."""
    found: Backlog = await backlog(db.reader)
    return BacklogStatus(found.pending, found.oldest_pending_since, now)


async def notification_status(
    db: Database, now: datetime, problem_limit: int = 20
) -> NotificationStatus:
    """Everything `notifications status` prints; the admin page can show the same.
    Raises StorageError."""
    waiting = await backlog_status(db, now)
    counts = await channel_counts(db.reader)
    latest = await recent_problems(db.reader, problem_limit)
    return NotificationStatus(tuple(counts), waiting, tuple(latest))
