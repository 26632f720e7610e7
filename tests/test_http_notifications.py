"""The form and the outbox over HTTP: only stored leads notify; health and readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from leadform.config import Settings
from tests.conftest import FakeClock
from tests.outbox_support import outbox_rows, wait_for_rows
from tests.peers import SECRET, Receiver, free_port, serving
from tests.test_http_form import VALID, fresh_token

pytestmark = pytest.mark.anyio


@pytest.fixture
def receiver_port() -> int:
    return free_port()


@pytest.fixture
def environ(environ: dict[str, str], receiver_port: int) -> dict[str, str]:
    """The usual test settings plus a webhook to the test's receiver."""
    return environ | {
        "LEADFORM_WEBHOOK_URL": f"http://127.0.0.1:{receiver_port}/leads",
        "LEADFORM_WEBHOOK_SECRET": SECRET,
    }


@pytest.fixture
async def receiver(clock: FakeClock, receiver_port: int) -> AsyncIterator[Receiver]:
    found = Receiver(now=lambda: int(clock().timestamp()))
    async with serving(found, receiver_port):
        yield found


async def submit(client: httpx.AsyncClient, clock: FakeClock, **changes: str) -> httpx.Response:
    token = await fresh_token(client, clock, "zh-hant-hk")
    return await client.post("/zh-hant-hk/register", data=VALID | {"token": token} | changes)


async def test_a_lead_from_the_form_reaches_the_webhook_at_once(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings, receiver: Receiver
) -> None:
    response = await submit(client, clock)
    assert response.status_code == 303
    await wait_for_rows(settings.database, "delivered")
    [request] = receiver.received
    assert request.verified and request.path == "/leads"
    assert request.document["name"] == "陳大文"
    assert request.document["phone"] == "+85291234567"
    assert request.document["locale"] == "zh-Hant-HK"


async def test_the_same_form_posted_twice_notifies_once(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    token = await fresh_token(client, clock)
    for _ in range(2):
        response = await client.post("/en/register", data=VALID | {"token": token})
        assert response.status_code == 303
    assert len(outbox_rows(settings.database)) == 1


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"token": "forged.token.value"}, 400),  # refused token
        ({"phone": "123"}, 422),  # fails validation
        ({"consent_terms": ""}, 422),
    ],
)
async def test_refused_or_invalid_submissions_notify_no_one(
    client: httpx.AsyncClient,
    clock: FakeClock,
    settings: Settings,
    changes: dict[str, str],
    status: int,
) -> None:
    response = await submit(client, clock, **changes)
    assert response.status_code == status
    assert outbox_rows(settings.database) == []


async def test_a_form_sent_back_too_fast_notifies_no_one(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    from tests.conftest import form_token

    token = form_token((await client.get("/en/register")).text)  # no time passes: a bot
    response = await client.post("/en/register", data=VALID | {"token": token})
    assert response.status_code == 400
    assert outbox_rows(settings.database) == []


async def test_health_stays_200_while_the_outbox_drains_and_readiness_reports_a_backlog(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    # no receiver listens: the notification stays pending
    assert (await submit(client, clock)).status_code == 303
    fresh = await client.get("/readyz")
    assert fresh.status_code == 200
    assert fresh.json()["notifications"]["pending"] == 1
    clock.advance(16 * 60)
    health, ready = await client.get("/healthz"), await client.get("/readyz")
    assert health.status_code == 200 and health.json()["notifications"]["backlog"] is True
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "notification backlog",
        "notifications": {"pending": 1, "oldest_pending_seconds": 16 * 60, "backlog": True},
    }


async def test_readiness_is_503_when_the_database_does_not_answer(
    settings: Settings, clock: FakeClock
) -> None:
    from asgi_lifespan import LifespanManager

    from leadform.application import create_app

    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        await manager._state["ctx"].db.reader.close()
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "notifications": None}
