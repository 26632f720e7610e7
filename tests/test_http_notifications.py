"""The form, the JSON API and the outbox over HTTP: only stored leads notify (issue 8:
honeypot, rate-limited, refused and invalid submissions reach no receiver); health and
readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

import leadform
from leadform.config import Settings, load_settings
from tests.conftest import FakeClock, form_token, serve
from tests.outbox_support import outbox_rows, wait_for_rows
from tests.peers import SECRET, Receiver, serving
from tests.servers import free_port
from tests.test_http_form import VALID, fresh_token, stored_leads

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


FRONT_ENDS = ["form", "api"]
API_LEAD = VALID | {"consent_terms": True}  # JSON, as a site's own front end sends it
SPAM = "http://spam.example/cheap-pills"


async def send_lead(
    client: httpx.AsyncClient,
    clock: FakeClock,
    front_end: str,
    *,
    like_a_person: bool = True,
    **changes: str,
) -> httpx.Response:
    """Post a lead through the HTML form or the JSON API with a fresh token, after a
    person's fill time (or, unlike a person, at once)."""
    if front_end == "form":
        page = await client.get("/zh-hant-hk/register")
        token = form_token(page.text)
    else:
        token = (await client.get("/api/form", params={"locale": "zh-hant-hk"})).json()["token"]
    if like_a_person:
        clock.advance(10)
    if front_end == "form":
        return await client.post("/zh-hant-hk/register", data=VALID | {"token": token} | changes)
    return await client.post("/api/leads", json=API_LEAD | {"token": token} | changes)


ACCEPTED = {"form": 303, "api": 201}


async def assert_only_the_real_lead_reaches_the_receiver(
    client: httpx.AsyncClient,
    clock: FakeClock,
    front_end: str,
    settings: Settings,
    receiver: Receiver,
) -> None:
    """A real lead sent after the others is delivered; had anything before it been
    queued, it would be in the outbox too, and delivered no later (oldest first)."""
    response = await send_lead(client, clock, front_end)
    assert response.status_code == ACCEPTED[front_end]
    await wait_for_rows(settings.database, "delivered")
    [lead] = stored_leads(settings)
    [row] = outbox_rows(settings.database)
    [request] = receiver.received
    assert row["lead_id"] == lead["id"]
    assert request.verified and request.document["reference"] == lead["reference"]


@pytest.mark.parametrize("front_end", FRONT_ENDS)
@pytest.mark.parametrize(
    ("changes", "like_a_person", "status"),
    [
        pytest.param({"website": SPAM}, True, {"form": 200, "api": 201}, id="honeypot"),
        pytest.param({"token": "forged.token.value"}, True, 400, id="forged-token"),
        pytest.param({}, False, 400, id="sent-back-too-fast"),
        pytest.param({"phone": "123"}, True, 422, id="invalid-phone"),
        pytest.param({"consent_terms": ""}, True, 422, id="no-consent"),
        pytest.param({"preferred_date": "2026-11-26"}, True, 422, id="invalid-date"),
    ],
)
async def test_spam_refused_and_invalid_submissions_reach_no_receiver(
    client: httpx.AsyncClient,
    clock: FakeClock,
    settings: Settings,
    receiver: Receiver,
    front_end: str,
    changes: dict[str, str],
    like_a_person: bool,
    status: int | dict[str, int],
) -> None:
    response = await send_lead(client, clock, front_end, like_a_person=like_a_person, **changes)
    expected = status if isinstance(status, int) else status[front_end]
    assert response.status_code == expected
    assert outbox_rows(settings.database) == []
    await assert_only_the_real_lead_reaches_the_receiver(
        client, clock, front_end, settings, receiver
    )


@pytest.mark.parametrize("front_end", FRONT_ENDS)
async def test_a_rate_limited_submission_reaches_no_receiver(
    environ: dict[str, str], clock: FakeClock, receiver: Receiver, front_end: str
) -> None:
    settings = load_settings(environ | {"LEADFORM_RATE_LIMIT": "1/minute"})
    async with serve(settings, clock) as client:
        await assert_only_the_real_lead_reaches_the_receiver(
            client, clock, front_end, settings, receiver
        )
        # the same address again, with another number, within the minute
        limited = await send_lead(client, clock, front_end, phone="9123 4568")
        assert limited.status_code == 429
        spam = await send_lead(client, clock, front_end, phone="9123 4569", website=SPAM)
        assert spam.status_code == 429  # a limited bot gets the same answer
    assert len(outbox_rows(settings.database)) == 1
    assert len(receiver.received) == 1


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
        "version": leadform.__version__,
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
    assert response.json() == {
        "status": "unavailable",
        "version": leadform.__version__,
        "notifications": None,
    }
