"""Notification outbox: what queueing costs a lead's write, and how fast a backlog
drains to a local webhook receiver. Run: .venv/bin/python bench/notifications.py

Everything is on 127.0.0.1 and bounded: N leads, one receiver, then it stops.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from leadform.domain.leads import ConsentWording, LeadInput, NewLead
from leadform.domain.notifications import WEBHOOK, NotificationTarget
from leadform.notifications.delivery import Deliverer
from leadform.notifications.webhook import WebhookSender, webhook_client
from leadform.storage import open_database
from tests.peers import SECRET, Concurrency, Receiver, serving
from tests.servers import free_port

LEADS = 2000
CONCURRENCY = 50
BACKLOG = 1000
ANSWER_SECONDS = 0.02  # the receiver's time per request, like a CRM writing to its database


def lead(i: int, targets: tuple[NotificationTarget, ...]) -> NewLead:
    return NewLead(
        lead=LeadInput("陳大文", "+85291234567", "", "acne", date(2026, 12, 1), False),
        token_id=f"bench-{i}",
        created_at=datetime.now(UTC),
        locale="en",
        consent=ConsentWording("en", "I agree"),
        ip="127.0.0.1",
        user_agent="bench",
        notify=targets,
    )


async def store(path: Path, targets: tuple[NotificationTarget, ...]) -> float:
    """Leads per second through the group-commit writer, CONCURRENCY at a time."""
    db = await open_database(path)
    queue = iter(range(LEADS))

    async def worker() -> None:
        for i in queue:
            await db.save_lead(lead(i, targets))

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - start
    await db.close()
    return LEADS / elapsed


async def drain(path: Path) -> tuple[float, int, float]:
    """Notifications per second from a BACKLOG-row outbox to a live receiver, the most
    requests the receiver had at once, and the median time from a lead's commit to its
    arrival when the task is idle."""
    port = free_port()
    target = (NotificationTarget(WEBHOOK, f"http://127.0.0.1:{port}/hook"),)
    db = await open_database(path)
    for i in range(BACKLOG):
        await db.save_lead(lead(i, target))
    clock = lambda: datetime.now(UTC)  # noqa: E731
    sender = WebhookSender(SECRET, ZoneInfo("Asia/Hong_Kong"), clock, webhook_client())
    deliverer = Deliverer(db, {WEBHOOK: sender}, clock, give_up_after=timedelta(hours=24))
    receiver = Receiver(concurrency=Concurrency(together=1, linger=ANSWER_SECONDS))
    async with serving(receiver, port):
        start = time.perf_counter()
        deliverer.start()
        await receiver.wait_for(BACKLOG, timeout=300)
        rate = BACKLOG / (time.perf_counter() - start)
        most = receiver.concurrency.most
        latencies = []
        for i in range(BACKLOG, BACKLOG + 30):
            await asyncio.sleep(0.05)  # idle between leads
            before = len(receiver.received)
            committed = time.perf_counter()
            await db.save_lead(lead(i, target))
            deliverer.wake()
            await receiver.wait_for(before + 1)
            latencies.append(time.perf_counter() - committed)
        await deliverer.stop()
    await db.close()
    return rate, most, statistics.median(latencies)


async def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="leadform-bench-"))
    two = (NotificationTarget(WEBHOOK, "https://a.example/h"), NotificationTarget("email", "x@y"))
    await store(folder / "warm-up.db", ())
    # alternate, best of three each: the shared disk's fsync time varies a lot
    runs = []
    for i in range(3):
        runs.append((await store(folder / f"n{i}.db", ()), await store(folder / f"t{i}.db", two)))
    none, with_two = max(r[0] for r in runs), max(r[1] for r in runs)
    rate, most, latency = await drain(folder / "drain.db")
    print(f"store {LEADS} leads, {CONCURRENCY} at once, no notification: {none:8.0f} leads/s")
    print(f"store {LEADS} leads, {CONCURRENCY} at once, 2 targets each:  {with_two:8.0f} leads/s")
    answer = f"{ANSWER_SECONDS * 1000:.0f} ms"
    print(f"drain {BACKLOG} webhook notifications, receiver answers in {answer}: {rate:5.0f} per s")
    print(f"  most requests the receiver had at once:              {most:8d}")
    print(f"idle: lead committed -> receiver has it, median of 30:   {latency * 1000:8.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
