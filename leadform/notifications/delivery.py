"""The delivery task: claims due notifications from the outbox, sends, records.

It runs inside the service (started and stopped by the app's lifespan). A stored lead
wakes it at once; otherwise it sleeps until the next retry is due, looking again at
least every POLL_SECONDS for work queued by other processes or `notifications retry`.
Each receiver gets only a few attempts at once (its sender's `in_flight`, counted in the
database over every process), so a backlog reaches it a few requests at a time.
Time (clock, sleep, randomness) is injected so tests can run a day of retries at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from urllib.parse import urlsplit

from leadform.clock import Clock
from leadform.domain.leads import Lead
from leadform.domain.notifications import WEBHOOK
from leadform.notifications.backoff import Random, next_attempt
from leadform.notifications.outcomes import Delivered, GiveUp, Outcome, Sender, TryLater
from leadform.storage import Database, StorageError
from leadform.storage.leads import get_lead
from leadform.storage.outbox import (
    DELIVERED,
    FAILED,
    PENDING,
    Claim,
    Notification,
    Release,
    Settlement,
    claim_notifications,
    next_due,
    release_leases,
    settle_notifications,
)

logger = logging.getLogger("leadform.notifications")

BATCH_SIZE = 16
# Longer than the slowest attempt (10 s webhook, 30 s email): a lease only runs out
# when its process died mid-attempt.
LEASE = timedelta(seconds=90)
POLL_SECONDS = 15.0
# When rows are due but none could be claimed, their receivers' in-flight bounds are
# used up by other processes: look again after this long rather than at once.
BUSY_SECONDS = 1.0

Sleep = Callable[[float], Awaitable[None]]


class Deliverer:
    def __init__(
        self,
        db: Database,
        senders: Mapping[str, Sender],
        clock: Clock,
        *,
        give_up_after: timedelta,
        sleep: Sleep = asyncio.sleep,
        random: Random = random.random,
        batch_size: int = BATCH_SIZE,
        zone: tzinfo = UTC,
    ) -> None:
        self.db = db
        self.senders = dict(senders)
        self.clock = clock
        self.give_up_after = give_up_after
        self.sleep = sleep
        self.random = random
        self.batch_size = batch_size
        self.zone = zone  # of the times in the log, like everything the clinic reads
        # Unique per running task, so a lease names who holds it.
        self.owner = f"{os.getpid()}-{secrets.token_hex(6)}"
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self.senders)

    def start(self) -> None:
        if self.senders:
            self._task = asyncio.create_task(self._run(), name="leadform-notifications")

    def wake(self) -> None:
        """A lead was stored: look for work now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop at once: attempts in flight are abandoned and their rows handed back,
        so the next start (or another process) sends them again."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
            try:
                await self.db.writer.submit(release_leases, Release(self.owner))
            except StorageError as exc:
                logger.error("could not hand back claimed notifications: %s", exc)
        for sender in self.senders.values():
            await sender.aclose()

    async def deliver_due(self) -> int:
        """Claim up to a batch of due notifications, within each receiver's in-flight
        bound, and attempt them together."""
        now = self.clock()
        bounds = {channel: sender.in_flight for channel, sender in self.senders.items()}
        claim = Claim(self.owner, now, now + LEASE, self.channels, self.batch_size, bounds)
        claimed: list[Notification] = await self.db.writer.submit(claim_notifications, claim)
        await asyncio.gather(*(self._attempt(n) for n in claimed))
        return len(claimed)

    async def _run(self) -> None:
        while True:
            self._wake.clear()  # a wake during this pass makes the pause end at once
            try:
                claimed = await self.deliver_due()
                if claimed == self.batch_size:
                    continue  # more may be due
                delay = await self._idle_seconds()
                if claimed == 0:  # anything due waits for another process's attempts
                    delay = max(delay, BUSY_SECONDS)
            except StorageError as exc:
                logger.error("notification delivery paused: %s", exc)
                delay = POLL_SECONDS
            except Exception as exc:  # the task outlives a bug; the type alone is logged,
                logger.error("notification delivery failed: %s", type(exc).__name__)  # no data
                delay = POLL_SECONDS
            await self._pause(delay)

    async def _idle_seconds(self) -> float:
        due = await next_due(self.db.reader, self.channels)
        if due is None:
            return POLL_SECONDS
        return min(POLL_SECONDS, max(0.0, (due - self.clock()).total_seconds()))

    async def _pause(self, seconds: float) -> None:
        sleeping = asyncio.ensure_future(self.sleep(seconds))
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeping, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in (sleeping, woken):
                waiting.cancel()
            await asyncio.gather(sleeping, woken, return_exceptions=True)

    async def _attempt(self, notification: Notification) -> None:
        try:
            lead = await get_lead(self.db.reader, notification.lead_id)
        except StorageError as exc:  # the lease runs out; tried again then
            logger.error("notification %s: lead not readable: %s", notification.id, exc)
            return
        outcome = await self._send(notification, lead) if lead else GiveUp("lead deleted")
        settlement = self._settlement(notification, outcome)
        try:
            kept = await self.db.writer.submit(settle_notifications, settlement)
        except StorageError as exc:
            logger.error("notification %s: outcome not recorded: %s", notification.id, exc)
            return
        self._log(notification, lead, settlement, outcome, kept)

    async def _send(self, notification: Notification, lead: Lead) -> Outcome:
        try:
            return await self.senders[notification.channel].send(notification, lead)
        except Exception as exc:  # a sender's bug must not stop the others; no details,
            return TryLater(f"unexpected {type(exc).__name__}")  # they may hold lead data

    def _settlement(self, notification: Notification, outcome: Outcome) -> Settlement:
        now = self.clock()
        status, error, retry_at = self._decide(notification, outcome, now)
        return Settlement(notification.id, self.owner, status, now, error, retry_at)

    def _decide(
        self, notification: Notification, outcome: Outcome, now: datetime
    ) -> tuple[str, str, datetime | None]:
        if isinstance(outcome, Delivered):
            return DELIVERED, "", None
        if isinstance(outcome, GiveUp):
            return FAILED, outcome.reason, None
        deadline = notification.window_started_at + self.give_up_after
        retry_at = next_attempt(
            now, notification.attempt, deadline, self.random, outcome.not_before
        )
        if retry_at is None:
            hours = self.give_up_after / timedelta(hours=1)
            return FAILED, f"{outcome.reason}; gave up after {hours:g} h", None
        return PENDING, outcome.reason, retry_at

    def _log(
        self,
        notification: Notification,
        lead: Lead | None,
        settlement: Settlement,
        outcome: Outcome,
        kept: bool,
    ) -> None:
        """Reference, channel, host and outcome: never the lead's details."""
        where = notification.channel
        if notification.channel == WEBHOOK:
            where = f"webhook {urlsplit(notification.target).hostname}"
        reference = lead.reference if lead else "?"
        what = f"lead {reference}, {where}, delivery {notification.delivery_id}"
        attempt = f"attempt {notification.attempt}"
        if not kept:
            logger.warning("%s: %s; its lease ran out meanwhile", what, attempt)
        elif settlement.status == DELIVERED:
            assert isinstance(outcome, Delivered)
            logger.info("%s: delivered (%s, %s)", what, outcome.detail, attempt)
        elif settlement.status == FAILED:
            logger.warning("%s: failed (%s, %s)", what, settlement.error, attempt)
        else:
            retry = _iso(settlement.retry_at, self.zone)
            logger.info("%s: %s, %s; next try %s", what, settlement.error, attempt, retry)


def _iso(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else "-"
