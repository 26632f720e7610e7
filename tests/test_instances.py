"""Three real `leadform serve` processes on one PostgreSQL database, load spread over
them: what one instance promises holds across all three."""

from __future__ import annotations

import asyncio
import itertools
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from leadform.config import PostgresUrl
from leadform.notifications.webhook import IN_FLIGHT
from tests.conftest import csrf_token
from tests.databases import rows
from tests.peers import SECRET as WEBHOOK_SECRET
from tests.peers import Concurrency, Receiver, serving
from tests.servers import Server, bookable_day, free_port, lead_form, new_token, start_server, stop

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@contextmanager
def instances(
    tmp_path: Path, url: PostgresUrl, count: int = 3, **settings: str
) -> Iterator[list[Server]]:
    servers: list[Server] = []
    try:
        for i in range(count):
            folder = tmp_path / f"instance-{i}"
            folder.mkdir()
            servers.append(start_server(folder, LEADFORM_DATABASE=url.url, **settings))
        yield servers
    finally:
        for server in servers:
            stop(server.process)


def webhook_to(port: int) -> dict[str, str]:
    return {
        "LEADFORM_WEBHOOK_URL": f"http://127.0.0.1:{port}/leads",
        "LEADFORM_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


async def submit(server: Server, token: str, day: str) -> int:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        response = await client.post("/en/register", data=lead_form(token, day))
    return response.status_code


async def test_every_lead_is_stored_once_and_its_webhook_delivered_once_within_the_cap(
    tmp_path: Path, postgres: PostgresUrl
) -> None:
    receiver_port = free_port()
    # Hold each request until many are in flight together: a cap that held per
    # instance only would show as up to three times IN_FLIGHT here.
    receiver = Receiver(concurrency=Concurrency(together=3 * IN_FLIGHT, patience=0.5))
    webhook = webhook_to(receiver_port)
    async with serving(receiver, receiver_port):
        with instances(tmp_path, postgres, **webhook) as servers:
            day = bookable_day(servers[0].base_url)
            tokens = [new_token() for _ in range(45)]
            spread = itertools.cycle(servers)
            # every form sent to one instance, a third of them again to the next one
            sends = [(next(spread), t) for t in tokens] + [(next(spread), t) for t in tokens[::3]]
            answers = await asyncio.gather(*(submit(s, t, day) for s, t in sends))
            await receiver.wait_for(len(tokens), timeout=120)
            await asyncio.sleep(1)  # time for a duplicate delivery to show up
    assert answers == [303] * len(sends)
    stored = await rows(postgres, "SELECT token_id FROM leads")
    assert sorted(r["token_id"] for r in stored) == sorted(t.split(".", 1)[0] for t in tokens)
    delivery_ids = [r.headers.get("leadform-delivery") for r in receiver.received]
    assert len(receiver.received) == len(tokens) == len(set(delivery_ids))
    assert receiver.concurrency.most <= IN_FLIGHT


async def test_a_rate_limit_of_n_per_minute_lets_n_through_across_three_instances(
    tmp_path: Path, postgres: PostgresUrl
) -> None:
    with instances(tmp_path, postgres, LEADFORM_RATE_LIMIT="5/minute") as servers:
        day = bookable_day(servers[0].base_url)
        spread = itertools.cycle(servers)
        answers = await asyncio.gather(*(submit(next(spread), new_token(), day) for _ in range(15)))
    assert answers.count(303) == 5
    assert len(await rows(postgres, "SELECT id FROM leads")) == 5


async def test_sign_in_throttling_counts_failures_on_every_instance(
    tmp_path: Path, postgres: PostgresUrl
) -> None:
    with instances(tmp_path, postgres) as servers:
        answers = []
        for server in itertools.islice(itertools.cycle(servers), 9):
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
                page = await client.get("/admin/login")
                response = await client.post(
                    "/admin/login",
                    data={
                        "email": "sales@example.com",
                        "password": "wrong",
                        "csrf": csrf_token(page.text),
                    },
                )
                answers.append(response.status_code)
    # five failures, wherever they happened, block the account everywhere
    assert 429 not in answers[:5]
    assert answers[5:] == [429] * 4


@pytest.mark.load  # waits out the 90 s lease
async def test_a_killed_instances_notifications_are_delivered_by_the_others(
    tmp_path: Path, postgres: PostgresUrl
) -> None:
    receiver_port = free_port()
    # Answers wait at the gate, so a claimed row stays leased until the test lets it go.
    gate = asyncio.Event()
    receiver = Receiver(gate=gate)
    webhook = webhook_to(receiver_port)
    (tmp_path / "others").mkdir()
    async with serving(receiver, receiver_port):
        with instances(tmp_path, postgres, count=1, **webhook) as (victim,):
            day = bookable_day(victim.base_url)
            sends = [(victim, new_token()) for _ in range(10)]
            answers = await asyncio.gather(*(submit(s, t, day) for s, t in sends))
            # Alone, the victim claims rows and holds them at the gate.
            async with asyncio.timeout(60):
                while not await leased_by(postgres, victim.process.pid):
                    await asyncio.sleep(0.2)
            with instances(tmp_path / "others", postgres, count=2, **webhook) as others:
                spread = itertools.cycle(others)
                more = [(next(spread), new_token()) for _ in range(50)]
                answers += await asyncio.gather(*(submit(s, t, day) for s, t in more))
                sends += more
                stop(victim.process, signal.SIGKILL)
                orphans = await leased_by(postgres, victim.process.pid)
                receiver.gate = None  # the others' requests are answered at once
                gate.set()  # and the dead victim's ones let go
                expected = {
                    r["delivery_id"]
                    for r in await rows(postgres, "SELECT delivery_id FROM notifications")
                }
                async with asyncio.timeout(240):  # the lease (90 s), then a retry
                    while set(receiver.processed) != expected or await rows(
                        postgres, "SELECT id FROM notifications WHERE status <> 'delivered'"
                    ):
                        await asyncio.sleep(0.5)
    acknowledged = [t.split(".", 1)[0] for (_, t), a in zip(sends, answers) if a == 303]
    stored = [r["token_id"] for r in await rows(postgres, "SELECT token_id FROM leads")]
    assert sorted(acknowledged) == sorted(stored) and len(stored) == 60
    assert orphans, "the kill left no notification in flight: nothing was proved"


async def leased_by(postgres: PostgresUrl, pid: int) -> list[dict[str, Any]]:
    # a lease names its owner's process id
    return await rows(
        postgres,
        "SELECT id FROM notifications WHERE status = 'pending' AND lease_owner LIKE ?",
        f"{pid}-%",
    )
