"""Leads queued with notifications, and a way to run the delivery task through a day
of retries without waiting: each round jumps the fake clock to the next due time."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from typing import Any

from leadform.config import PostgresUrl
from leadform.domain.leads import ConsentWording, LeadInput, NewLead
from leadform.domain.notifications import EMAIL, WEBHOOK, NotificationTarget
from leadform.notifications.delivery import Deliverer
from leadform.storage import Database
from leadform.storage.outbox import next_due
from tests.conftest import DEFAULT_NOW, FakeClock
from tests.databases import query

NAME = "陳大文"
PHONE = "+85291234567"
EMAIL_ADDRESS = "chan.taiman@example.com"


def new_lead(
    token_id: str,
    *targets: NotificationTarget,
    created_at: datetime = DEFAULT_NOW,
    name: str = NAME,
) -> NewLead:
    return NewLead(
        lead=LeadInput(name, PHONE, EMAIL_ADDRESS, "milia", date(2026, 12, 1), True),
        token_id=token_id,
        created_at=created_at,
        locale="zh-Hant-HK",
        consent=ConsentWording("zh-Hant-HK", "本人同意"),
        ip="203.0.113.9",
        user_agent="test",
        notify=targets,
    )


def webhook(url: str) -> NotificationTarget:
    return NotificationTarget(WEBHOOK, url)


def email(recipients: str) -> NotificationTarget:
    return NotificationTarget(EMAIL, recipients)


async def drain(deliverer: Deliverer, db: Database, clock: FakeClock, rounds: int = 200) -> int:
    """Deliver until nothing is pending, moving the clock to each retry; the rounds."""
    for done in range(1, rounds + 1):
        await deliverer.deliver_due()
        due = await next_due(db.reader, deliverer.channels)
        if due is None:
            return done
        clock.now = max(clock.now, due)
    raise AssertionError(f"still pending after {rounds} rounds")


def outbox_rows(target: Path | PostgresUrl) -> list[dict[str, Any]]:
    return query(target, "SELECT * FROM notifications ORDER BY id")


async def wait_for_rows(
    target: Path | PostgresUrl, status: str, count: int = 1, timeout: float = 30
) -> None:
    """Wait (bounded) until `count` outbox rows have `status`."""
    async with asyncio.timeout(timeout):
        while sum(row["status"] == status for row in outbox_rows(target)) < count:
            await asyncio.sleep(0.02)
