"""Retention (PDPO DPP2): leads older than LEADFORM_RETENTION_DAYS are deleted, by a
daily job inside the service and by `leadform purge`.

Ages are counted in the clinic's days: with 730 days, on 26 November 2026 (clinic
time) every lead submitted before 00:00 on 26 November 2024, clinic time, goes.
Instances sharing a database take turns through a lease row (storage/job_leases), so
the job runs once a clinic day, on whichever instance gets there first.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from leadform.clock import Clock, clinic_midnight, clinic_today
from leadform.storage import Database, StorageError
from leadform.storage.job_leases import JobClaim, JobDone, claim_job, finish_job, last_run_day
from leadform.storage.lead_removal import Removed
from leadform.storage.retention import PurgeRecord, PurgeSlice, purge_slice, record_purge

logger = logging.getLogger("leadform.privacy")

JOB = "retention-purge"
LEASE = timedelta(minutes=30)
CHECK_EVERY = timedelta(hours=1)  # also picks up a day another instance failed to finish
START_DELAY = 60.0  # seconds: a starting service first serves; the purge can wait a minute

Sleep = Callable[[float], Awaitable[None]]


def cutoff_day(now: datetime, zone: ZoneInfo, days: int) -> date:
    """Leads submitted before this clinic day are older than `days` days."""
    return clinic_today(now, zone) - timedelta(days=days)


@dataclass(frozen=True)
class Purged:
    cutoff_day: date
    removed: Removed


async def purge(db: Database, now: datetime, zone: ZoneInfo, days: int, actor_kind: str) -> Purged:
    """Delete every lead older than `days` clinic days, slice by slice; then one audit
    row and one log line (counts and cut-off only), and a checkpoint."""
    day = cutoff_day(now, zone, days)
    before = clinic_midnight(day, zone)
    total = Removed()
    while True:
        removed: Removed = await db.writer.submit(purge_slice, PurgeSlice(before))
        total = _add(total, removed)
        if not removed.leads:
            break
    await db.writer.submit(record_purge, PurgeRecord(now, day, actor_kind, total))
    await db.checkpoint()
    logger.info(
        "purge (%s): leads submitted before %s deleted: %d lead(s), %d notification(s), "
        "%d rate-limit row(s), %d consent wording(s)",
        actor_kind,
        day.isoformat(),
        total.leads,
        total.notifications,
        total.rate_hits,
        total.consent_wordings,
    )
    return Purged(day, total)


def _add(a: Removed, b: Removed) -> Removed:
    return Removed(
        a.leads + b.leads,
        a.notifications + b.notifications,
        a.rate_hits + b.rate_hits,
        a.consent_wordings + b.consent_wordings,
    )


def next_purge(now: datetime, zone: ZoneInfo, last_day: date | None) -> datetime:
    """When the daily job next deletes: now if today's run has not happened, else the
    clinic's next midnight."""
    today = clinic_today(now, zone)
    if last_day is None or last_day < today:
        return now
    return clinic_midnight(today + timedelta(days=1), zone)


async def purge_due_at(db: Database, now: datetime, zone: ZoneInfo) -> datetime:
    return next_purge(now, zone, await last_run_day(db.reader, JOB))


class RetentionJob:
    """The daily purge inside the service: started and stopped by the lifespan."""

    def __init__(
        self, db: Database, clock: Clock, zone: ZoneInfo, days: int, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.db = db
        self.clock = clock
        self.zone = zone
        self.days = days
        self.sleep = sleep
        self.owner = f"{os.getpid()}-{secrets.token_hex(6)}"
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.days:
            self._task = asyncio.create_task(self._run(), name="leadform-retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def run_once(self) -> Purged | None:
        """Purge if today's run is due and this instance wins the lease; else None."""
        now = self.clock()
        today = clinic_today(now, self.zone)
        claim = JobClaim(JOB, self.owner, now, now + LEASE, today)
        if not await self.db.writer.submit(claim_job, claim):
            return None
        done: date | None = None
        try:
            purged = await purge(self.db, now, self.zone, self.days, "schedule")
            done = today
            return purged
        finally:
            await self.db.writer.submit(finish_job, JobDone(JOB, self.owner, done))

    async def _run(self) -> None:
        await self.sleep(START_DELAY)
        while True:
            try:
                await self.run_once()
            except StorageError as exc:  # the database is busy or gone: try again later
                logger.error("retention purge failed: %s", exc)
            await self.sleep(self._seconds_to_next_check())

    def _seconds_to_next_check(self) -> float:
        now = self.clock()
        midnight = clinic_midnight(clinic_today(now, self.zone) + timedelta(days=1), self.zone)
        return max(1.0, min((midnight - now).total_seconds() + 1, CHECK_EVERY.total_seconds()))
