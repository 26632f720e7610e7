"""Webhook delivery against a real receiver (uvicorn on 127.0.0.1), with a fake clock
so a day of retries runs in a moment."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from leadform.config import PostgresUrl
from leadform.domain.leads import lead_fields
from leadform.notifications import delivery, webhook
from leadform.notifications.delivery import Deliverer
from leadform.notifications.webhook import WebhookSender, webhook_client
from leadform.storage import Database, open_database
from leadform.storage.leads import get_lead
from leadform.storage.outbox import Retry, retry_notifications
from tests.conftest import FakeClock
from tests.outbox_support import (
    EMAIL_ADDRESS,
    NAME,
    PHONE,
    drain,
    new_lead,
    outbox_rows,
    wait_for_rows,
)
from tests.outbox_support import webhook as hook
from tests.peers import SECRET, Concurrency, Receiver, serving
from tests.servers import free_port

pytestmark = pytest.mark.anyio

ZONE = ZoneInfo("Asia/Hong_Kong")
DAY = timedelta(hours=24)


@pytest.fixture
async def db(database: Path | PostgresUrl) -> AsyncIterator[Database]:
    opened = await open_database(database)  # every test here on both engines
    yield opened
    await opened.close()


@pytest.fixture
def make_deliverer(db: Database, clock: FakeClock) -> Callable[..., Deliverer]:
    def make(**options: object) -> Deliverer:
        sender = WebhookSender(SECRET, ZONE, clock, webhook_client())
        defaults: dict[str, object] = {"give_up_after": DAY, "random": lambda: 0.0}
        return Deliverer(db, {"webhook": sender}, clock, **{**defaults, **options})  # type: ignore[arg-type]

    return make


@pytest.fixture
def receiver(clock: FakeClock) -> Receiver:
    return Receiver(now=lambda: int(clock().timestamp()))


def url(port: int, path: str = "/hook") -> str:
    return f"http://127.0.0.1:{port}{path}"


async def test_receiver_gets_the_lead_signed_with_the_export_fields(
    db: Database, make_deliverer: Callable[..., Deliverer], receiver: Receiver, clock: FakeClock
) -> None:
    port = free_port()
    await db.save_lead(new_lead("t1", hook(url(port))))
    deliverer = make_deliverer()
    async with serving(receiver, port):
        await drain(deliverer, db, clock)
    await deliverer.stop()
    [request] = receiver.received
    lead = await get_lead(db.reader, 1)
    assert lead is not None
    assert request.verified
    assert request.headers["content-type"] == "application/json"
    assert request.document == {
        "event": "lead.created",
        "delivery_id": request.headers["leadform-delivery"],
        **lead_fields(lead, ZONE),
    }
    assert request.document["name"] == NAME  # UTF-8 JSON, not escapes to undo


async def test_a_500_is_retried_with_the_same_key_and_processed_once(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    receiver: Receiver,
    clock: FakeClock,
    database: Path | PostgresUrl,
) -> None:
    port = free_port()
    receiver.script = [500, 502]
    await db.save_lead(new_lead("t1", hook(url(port))))
    start = int(clock().timestamp())
    deliverer = make_deliverer()
    async with serving(receiver, port):
        await drain(deliverer, db, clock)
    await deliverer.stop()
    keys = {r.headers["leadform-delivery"] for r in receiver.received}
    assert len(receiver.received) == 3 and len(keys) == 1
    assert len(receiver.processed) == 1
    # backoff with the jitter drawn at its lowest: 2.5 s, then 5 s
    assert [r.timestamp - start for r in receiver.received] == [0, 2, 7]
    [row] = outbox_rows(database)
    assert (row["status"], row["attempts"], row["last_error"]) == ("delivered", 3, "")


async def test_a_receiver_down_for_an_hour_gets_the_lead_when_it_is_back(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    receiver: Receiver,
    clock: FakeClock,
    database: Path | PostgresUrl,
) -> None:
    port = free_port()  # nothing listens there yet
    await db.save_lead(new_lead("t1", hook(url(port))))
    deliverer = make_deliverer()
    back_at = clock() + timedelta(hours=1)
    while clock() < back_at:
        await deliverer.deliver_due()
        [row] = outbox_rows(database)
        assert row["status"] == "pending" and row["last_error"] == "ConnectError"
        clock.now = max(clock.now, _parse(row["next_attempt_at"]))
    async with serving(receiver, port):
        await drain(deliverer, db, clock)
    await deliverer.stop()
    [row] = outbox_rows(database)
    assert row["status"] == "delivered" and row["attempts"] > 5
    assert len(receiver.processed) == 1


async def test_410_stops_that_url_and_the_others_still_get_the_lead(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    clock: FakeClock,
    database: Path | PostgresUrl,
) -> None:
    gone = Receiver(now=lambda: int(clock().timestamp()), otherwise=410)
    fine = Receiver(now=lambda: int(clock().timestamp()))
    gone_port, fine_port = free_port(), free_port()
    await db.save_lead(new_lead("t1", hook(url(gone_port)), hook(url(fine_port))))
    deliverer = make_deliverer()
    async with serving(gone, gone_port), serving(fine, fine_port):
        await drain(deliverer, db, clock)
    await deliverer.stop()
    rows = outbox_rows(database)
    assert [(r["status"], r["attempts"]) for r in rows] == [("failed", 1), ("delivered", 1)]
    assert rows[0]["last_error"].startswith("HTTP 410")
    assert len(gone.received) == len(fine.received) == 1


@pytest.mark.parametrize("status", [301, 302, 400, 404, 429, 500, 503])
async def test_other_answers_are_retried(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    receiver: Receiver,
    clock: FakeClock,
    database: Path | PostgresUrl,
    status: int,
) -> None:
    port = free_port()
    receiver.script = [(status, {"location": url(port, "/elsewhere")})]
    await db.save_lead(new_lead("t1", hook(url(port))))
    deliverer = make_deliverer()
    async with serving(receiver, port):
        await deliverer.deliver_due()
        [row] = outbox_rows(database)
        assert row["status"] == "pending" and row["last_error"].startswith(f"HTTP {status}")
        await drain(deliverer, db, clock)
    await deliverer.stop()
    assert [r.path for r in receiver.received] == ["/hook", "/hook"]  # no redirect followed


async def test_a_307_to_the_same_origin_is_followed_with_the_signed_body(
    db: Database, make_deliverer: Callable[..., Deliverer], receiver: Receiver, clock: FakeClock
) -> None:
    port = free_port()
    receiver.script = [(307, {"location": "/moved"})]
    await db.save_lead(new_lead("t1", hook(url(port))))
    deliverer = make_deliverer()
    async with serving(receiver, port):
        await deliverer.deliver_due()
    await deliverer.stop()
    assert [(r.path, r.verified) for r in receiver.received] == [("/hook", True), ("/moved", True)]


async def test_a_redirect_to_another_host_is_not_followed(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    receiver: Receiver,
    clock: FakeClock,
    database: Path | PostgresUrl,
) -> None:
    port = free_port()
    # the same server under another name: a request there would be recorded
    receiver.script = [(308, {"location": f"http://localhost:{port}/stolen"})]
    await db.save_lead(new_lead("t1", hook(url(port))))
    deliverer = make_deliverer()
    async with serving(receiver, port):
        await deliverer.deliver_due()
    await deliverer.stop()
    assert [r.path for r in receiver.received] == ["/hook"]
    [row] = outbox_rows(database)
    assert row["status"] == "pending" and "not followed" in row["last_error"]


async def test_a_notification_undelivered_for_the_give_up_time_is_failed(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    receiver: Receiver,
    clock: FakeClock,
    database: Path | PostgresUrl,
) -> None:
    port = free_port()
    receiver.otherwise = 503
    await db.save_lead(new_lead("t1", hook(url(port))))
    created = clock()
    deliverer = make_deliverer(give_up_after=timedelta(hours=3))
    async with serving(receiver, port):
        await drain(deliverer, db, clock)
    await deliverer.stop()
    [row] = outbox_rows(database)
    assert row["status"] == "failed"
    assert row["last_error"] == "HTTP 503; gave up after 3 h"
    assert _parse(row["finished_at"]) == created + timedelta(hours=3)  # the last try
    assert len(receiver.received) == row["attempts"]


async def test_a_hung_receiver_times_out_and_is_retried(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    receiver: Receiver,
    database: Path | PostgresUrl,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(webhook, "TIMEOUT_SECONDS", 0.2)
    port = free_port()
    receiver.gate = asyncio.Event()
    await db.save_lead(new_lead("t1", hook(url(port))))
    deliverer = make_deliverer()
    async with serving(receiver, port):
        await deliverer.deliver_due()
        [row] = outbox_rows(database)
        receiver.gate.set()
    await deliverer.stop()
    assert (row["status"], row["last_error"]) == ("pending", "timeout")


async def test_delivery_logs_carry_no_personal_data(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    receiver: Receiver,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()
    receiver.script = [500, 410]
    await db.save_lead(new_lead("t1", hook(url(port))))
    deliverer = make_deliverer()
    with caplog.at_level(logging.DEBUG):
        async with serving(receiver, port):
            await drain(deliverer, db, clock)
        await deliverer.stop()
    lead = await get_lead(db.reader, 1)
    assert lead is not None
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("leadform"))
    assert lead.reference in logged and "HTTP 410" in logged
    for personal in (NAME, PHONE, EMAIL_ADDRESS, "203.0.113.9"):
        assert personal not in caplog.text


async def test_the_log_gives_the_next_try_in_the_clinics_zone(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()
    receiver.script = [503]
    await db.save_lead(new_lead("t1", hook(url(port))))
    deliverer = make_deliverer(zone=ZONE)
    with caplog.at_level(logging.INFO, logger="leadform.notifications"):
        async with serving(receiver, port):
            await deliverer.deliver_due()
        await deliverer.stop()
    # 10:00 in Hong Kong, and the first wait at its shortest: 2.5 s
    [line] = [r.getMessage() for r in caplog.records if "next try" in r.getMessage()]
    assert line.endswith("HTTP 503, attempt 1; next try 2026-11-26T10:00:02+08:00")


async def test_the_running_task_retries_on_its_own_and_is_woken_by_a_new_lead(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    receiver: Receiver,
    clock: FakeClock,
    database: Path | PostgresUrl,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(delivery, "POLL_SECONDS", 3600.0)  # only a wake or a retry moves it

    async def skip_ahead(seconds: float) -> None:
        if seconds >= delivery.POLL_SECONDS:
            await asyncio.sleep(seconds)  # idle: only a wake ends this
        clock.advance(seconds)  # a retry's wait passes at once
        await asyncio.sleep(0)

    port = free_port()
    receiver.script = [500, 500]
    deliverer = make_deliverer(sleep=skip_ahead)
    async with serving(receiver, port):
        deliverer.start()
        await asyncio.sleep(0.05)  # idle: nothing queued yet
        await db.save_lead(new_lead("t1", hook(url(port))))
        deliverer.wake()
        await wait_for_rows(database, "delivered")
        await deliverer.stop()
    [row] = outbox_rows(database)
    assert row["status"] == "delivered" and len(receiver.processed) == 1


async def test_stopping_abandons_an_attempt_in_flight_and_hands_the_row_back(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    receiver: Receiver,
    database: Path | PostgresUrl,
) -> None:
    port = free_port()
    receiver.gate = asyncio.Event()
    await db.save_lead(new_lead("t1", hook(url(port))))
    deliverer = make_deliverer()
    async with serving(receiver, port):
        deliverer.start()
        await receiver.wait_for(1)
        await deliverer.stop()
        receiver.gate.set()
    [row] = outbox_rows(database)
    assert (row["status"], row["attempts"], row["lease_owner"]) == ("pending", 1, None)


async def _try_each_once(deliverer: Deliverer, path: Path) -> None:
    while any(row["attempts"] == 0 for row in outbox_rows(path)):
        await deliverer.deliver_due()


async def test_after_retry_a_backlog_reaches_the_receiver_a_few_requests_at_a_time(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    clock: FakeClock,
    database: Path | PostgresUrl,
) -> None:
    port = free_port()  # nothing listens yet: the receiver is down
    backlog = 11 * webhook.IN_FLIGHT
    for i in range(backlog):
        await db.save_lead(new_lead(f"t{i}", hook(url(port))))
    deliverer = make_deliverer()
    await _try_each_once(deliverer, database)
    # what `leadform notifications retry` does once the receiver is back
    counts = await db.writer.submit(retry_notifications, Retry(clock(), include_failed=False))
    assert counts.pending_made_due == backlog
    # each request waits for company, so the most the sender allows is what it sees
    receiver = Receiver(
        now=lambda: int(clock().timestamp()), concurrency=Concurrency(webhook.IN_FLIGHT)
    )
    async with serving(receiver, port):
        deliverer.start()
        await wait_for_rows(database, "delivered", backlog)
        await deliverer.stop()
    assert receiver.concurrency.most == webhook.IN_FLIGHT
    assert len(receiver.received) == len(receiver.processed) == backlog


async def test_two_processes_together_keep_to_the_bound_for_one_receiver(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    clock: FakeClock,
    database: Path | PostgresUrl,
) -> None:
    port = free_port()
    backlog = 6 * webhook.IN_FLIGHT
    for i in range(backlog):
        await db.save_lead(new_lead(f"t{i}", hook(url(port))))
    other_db = await open_database(database)  # another process's connections
    sender = WebhookSender(SECRET, ZONE, clock, webhook_client())
    other = Deliverer(other_db, {"webhook": sender}, clock, give_up_after=DAY)
    deliverers = (make_deliverer(), other)
    receiver = Receiver(
        now=lambda: int(clock().timestamp()), concurrency=Concurrency(webhook.IN_FLIGHT)
    )
    async with serving(receiver, port):
        for deliverer in deliverers:
            deliverer.start()
        await wait_for_rows(database, "delivered", backlog)
        for deliverer in deliverers:
            await deliverer.stop()
    await other_db.close()
    assert receiver.concurrency.most == webhook.IN_FLIGHT
    assert len(receiver.received) == backlog  # and none twice


def _parse(text: str):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.fromisoformat(text)
