"""The outbox in SQLite: queued with the lead, claimed under a lease, settled."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from leadform.domain.notifications import NotificationTarget
from leadform.storage import Database, StorageError, open_database
from leadform.storage.outbox import (
    Claim,
    InFlight,
    Notification,
    Retry,
    Settlement,
    channel_counts,
    claim_notifications,
    retry_notifications,
    settle_notifications,
)
from tests.conftest import DEFAULT_NOW
from tests.outbox_support import email, new_lead, outbox_rows, webhook

pytestmark = pytest.mark.anyio

HOOK = webhook("https://crm.example/hook")
OTHER_HOOK = webhook("https://b.example/h")
MAIL = email("team@clinic.example")
LEASE = timedelta(seconds=90)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "leads.db")
    yield database
    await database.close()


def claim(owner: str, minutes: float = 0, limit: int = 10) -> Claim:
    now = DEFAULT_NOW + timedelta(minutes=minutes)
    return Claim(owner, now, now + LEASE, ("webhook", "email"), limit)


BOUNDS = {"webhook": InFlight(4), "email": InFlight(2, per_target=False)}


def bounded_claim(owner: str, minutes: float = 0, limit: int = 16) -> Claim:
    now = DEFAULT_NOW + timedelta(minutes=minutes)
    return Claim(owner, now, now + LEASE, ("webhook", "email"), limit, BOUNDS)


def receivers(claimed: list[Notification]) -> Counter[str]:
    return Counter(n.target if n.channel == "webhook" else "smtp" for n in claimed)


async def queue_backlog(db: Database, leads: int = 6) -> None:
    """Each lead to two webhook URLs and by email (to one of two recipient lists)."""
    for i in range(leads):
        mail = MAIL if i % 2 else email("frontdesk@clinic.example")
        await db.save_lead(new_lead(f"t{i}", HOOK, OTHER_HOOK, mail))


async def test_a_new_lead_queues_one_pending_row_per_target(db: Database, tmp_path: Path) -> None:
    await db.save_lead(new_lead("t1", HOOK, webhook("https://b.example/h"), MAIL))
    rows = outbox_rows(tmp_path / "leads.db")
    assert [(r["channel"], r["target"], r["status"]) for r in rows] == [
        ("webhook", "https://crm.example/hook", "pending"),
        ("webhook", "https://b.example/h", "pending"),
        ("email", "team@clinic.example", "pending"),
    ]
    assert len({r["delivery_id"] for r in rows}) == 3
    assert all(r["next_attempt_at"] == "2026-11-26T02:00:00.000000Z" for r in rows)


async def test_a_repeated_token_queues_nothing_more(db: Database, tmp_path: Path) -> None:
    await db.save_lead(new_lead("t1", HOOK))
    await db.save_lead(new_lead("t1", HOOK, MAIL))
    assert len(outbox_rows(tmp_path / "leads.db")) == 1


async def test_repeats_inside_one_batch_queue_once_per_new_lead(
    db: Database, tmp_path: Path
) -> None:
    await asyncio.gather(*(db.save_lead(new_lead(f"t{i % 3}", HOOK)) for i in range(12)))
    rows = outbox_rows(tmp_path / "leads.db")
    assert sorted(r["lead_id"] for r in rows) == [1, 2, 3]


async def test_a_lead_is_not_stored_when_its_notifications_cannot_be(
    db: Database, tmp_path: Path
) -> None:
    bad = NotificationTarget("carrier-pigeon", "loft 3")  # refused by the table's CHECK
    with pytest.raises(StorageError):
        await db.save_lead(new_lead("t1", HOOK, bad))
    with sqlite3.connect(tmp_path / "leads.db") as conn:
        assert conn.execute("SELECT count(*) FROM leads").fetchone()[0] == 0
    assert outbox_rows(tmp_path / "leads.db") == []


async def test_a_lead_without_targets_queues_nothing(db: Database, tmp_path: Path) -> None:
    await db.save_lead(new_lead("t1"))
    assert outbox_rows(tmp_path / "leads.db") == []


async def test_a_claimed_row_is_not_claimed_again_while_its_lease_runs(db: Database) -> None:
    await db.save_lead(new_lead("t1", HOOK))
    first = await db.writer.submit(claim_notifications, claim("a"))
    second = await db.writer.submit(claim_notifications, claim("b", minutes=1))
    assert [n.attempt for n in first] == [1] and second == []


async def test_a_row_whose_lease_ran_out_is_claimed_by_another(db: Database) -> None:
    await db.save_lead(new_lead("t1", HOOK))
    await db.writer.submit(claim_notifications, claim("crashed"))
    again = await db.writer.submit(claim_notifications, claim("b", minutes=2))
    assert [n.attempt for n in again] == [2]


async def test_two_processes_claiming_at_once_share_rows_without_overlap(tmp_path: Path) -> None:
    # Two Database objects on one file: separate connections, as two processes have.
    path = tmp_path / "leads.db"
    one, two = await open_database(path), await open_database(path)
    try:
        for i in range(40):
            await one.save_lead(new_lead(f"t{i}", HOOK))
        claims = [
            db.writer.submit(claim_notifications, claim(name, limit=3))
            for _ in range(10)
            for name, db in (("one", one), ("two", two))
        ]
        claimed = [n.id for batch in await asyncio.gather(*claims) for n in batch]
    finally:
        await one.close()
        await two.close()
    assert sorted(claimed) == list(range(1, 41))


async def test_settling_needs_the_lease(db: Database, tmp_path: Path) -> None:
    await db.save_lead(new_lead("t1", HOOK))
    [row] = await db.writer.submit(claim_notifications, claim("a"))
    await db.writer.submit(claim_notifications, claim("b", minutes=2))  # a's lease ran out
    stale = Settlement(row.id, "a", "delivered", DEFAULT_NOW)
    assert await db.writer.submit(settle_notifications, stale) is False
    fresh = Settlement(row.id, "b", "delivered", DEFAULT_NOW + timedelta(minutes=2))
    assert await db.writer.submit(settle_notifications, fresh) is True
    [stored] = outbox_rows(tmp_path / "leads.db")
    assert (stored["status"], stored["lease_owner"], stored["attempts"]) == ("delivered", None, 2)


async def test_retry_makes_pending_rows_due_and_requeues_failed_ones_on_request(
    db: Database, tmp_path: Path
) -> None:
    await db.save_lead(new_lead("t1", HOOK))
    await db.save_lead(new_lead("t2", HOOK))
    one, two = await db.writer.submit(claim_notifications, claim("a"))
    later = DEFAULT_NOW + timedelta(hours=1)
    await db.writer.submit(
        settle_notifications, Settlement(one.id, "a", "pending", DEFAULT_NOW, "HTTP 500", later)
    )
    await db.writer.submit(
        settle_notifications, Settlement(two.id, "a", "failed", DEFAULT_NOW, "HTTP 410 Gone")
    )
    now = DEFAULT_NOW + timedelta(minutes=5)
    plain = await db.writer.submit(retry_notifications, Retry(now, include_failed=False))
    assert (plain.pending_made_due, plain.failed_requeued) == (1, 0)
    failed = await db.writer.submit(retry_notifications, Retry(now, include_failed=True))
    assert failed.failed_requeued == 1
    rows = outbox_rows(tmp_path / "leads.db")
    assert {r["status"] for r in rows} == {"pending"}
    assert rows[1]["attempts"] == 0 and rows[1]["window_started_at"] == rows[1]["next_attempt_at"]


async def test_counts_are_per_channel_and_status(db: Database) -> None:
    await db.save_lead(new_lead("t1", HOOK, MAIL))
    await db.save_lead(new_lead("t2", HOOK, MAIL))
    rows = await db.writer.submit(claim_notifications, claim("a", limit=1))
    await db.writer.submit(
        settle_notifications, Settlement(rows[0].id, "a", "delivered", DEFAULT_NOW)
    )
    found = await channel_counts(db.reader)
    counts = {c.channel: (c.pending, c.delivered, c.failed) for c in found}
    assert counts == {"webhook": (1, 1, 0), "email": (2, 0, 0)}


async def test_deleting_a_lead_deletes_its_notifications(db: Database, tmp_path: Path) -> None:
    await db.save_lead(new_lead("t1", HOOK))
    with sqlite3.connect(tmp_path / "leads.db") as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM leads")
    assert outbox_rows(tmp_path / "leads.db") == []


async def test_a_claim_takes_no_more_than_each_receivers_bound(db: Database) -> None:
    await queue_backlog(db)
    claimed = await db.writer.submit(claim_notifications, bounded_claim("p1"))
    # per webhook URL; email as a whole, whatever the recipients (one SMTP server)
    assert receivers(claimed) == {HOOK.target: 4, OTHER_HOOK.target: 4, "smtp": 2}


async def test_rows_in_flight_elsewhere_count_against_the_bound(db: Database) -> None:
    await queue_backlog(db)
    first = await db.writer.submit(claim_notifications, bounded_claim("p1"))
    assert await db.writer.submit(claim_notifications, bounded_claim("p2")) == []
    settle = [Settlement(n.id, "p1", "delivered", DEFAULT_NOW) for n in first[:3]]
    for settlement in settle:
        await db.writer.submit(settle_notifications, settlement)
    freed = receivers([n for n in first[:3]])
    second = await db.writer.submit(claim_notifications, bounded_claim("p2"))
    assert receivers(second) == freed


async def test_leases_that_ran_out_do_not_count_against_the_bound(db: Database) -> None:
    await queue_backlog(db)
    first = await db.writer.submit(claim_notifications, bounded_claim("p1"))
    later = await db.writer.submit(claim_notifications, bounded_claim("p2", minutes=2))
    assert receivers(later) == receivers(first)  # p1 died: its rows are claimed again
    assert {n.id for n in later} == {n.id for n in first}


async def test_a_claim_without_bounds_takes_up_to_its_limit(db: Database) -> None:
    await queue_backlog(db)
    claimed = await db.writer.submit(claim_notifications, claim("p1", limit=16))
    assert len(claimed) == 16
