"""Spam defence without a CAPTCHA: the honeypot and the rate limits, over HTTP."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from leadform.config import PostgresUrl, Settings, load_settings
from tests.conftest import A_BOOKABLE_DAY, FakeClock, form_token, serve
from tests.databases import on_engine, query
from tests.openapi import assert_documented

pytestmark = pytest.mark.anyio


@pytest.fixture
def environ(environ: dict[str, str], database: Path | PostgresUrl) -> dict[str, str]:
    return on_engine(environ, database)  # every test here on both engines


LEAD = {
    "name": "陳大文",
    "phone": "9123 4567",
    "treatment": "acne",
    "preferred_date": A_BOOKABLE_DAY,
    "consent_terms": "yes",
}


def count_leads(settings: Settings) -> int:
    return len(query(settings.database, "SELECT id FROM leads"))


async def token(client: httpx.AsyncClient, clock: FakeClock, tag: str = "en") -> str:
    value = form_token((await client.get(f"/{tag}/register")).text)
    clock.advance(10)
    return value


def phone(n: int) -> str:
    return f"9123 {4500 + n}"


# --- the honeypot ---------------------------------------------------------------


async def test_filled_honeypot_looks_like_success_and_stores_nothing(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    value = await token(client, clock)
    response = await client.post(
        "/en/register", data=LEAD | {"token": value, "website": "http://spam.example"}
    )
    assert response.status_code == 200
    assert "Thank you, your registration is received" in response.text
    assert 'class="reference"' in response.text
    assert count_leads(settings) == 0


async def test_filled_honeypot_answers_the_same_reference_each_time(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    value = await token(client, clock)
    data = {k: v for k, v in LEAD.items()} | {"token": value, "website": "x"}
    first = await client.post("/api/leads", data=data)
    second = await client.post("/api/leads", data=data)
    assert first.status_code == second.status_code == 201
    assert first.json()["reference"] == second.json()["reference"]
    assert_documented(first, "/api/leads", "post")


async def test_filled_honeypot_with_invalid_fields_gets_the_usual_422(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    value = await token(client, clock)
    response = await client.post("/en/register", data={"token": value, "website": "x"})
    assert response.status_code == 422


async def test_filled_honeypot_is_counted_in_the_log_without_personal_data(
    client: httpx.AsyncClient, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="leadform.intake")
    for n in range(2):
        value = await token(client, clock)
        data = LEAD | {"token": value, "website": "x", "phone": phone(n)}
        await client.post("/en/register", data=data)
    counted = [r.getMessage() for r in caplog.records if "honeypot" in r.getMessage()]
    assert counted == [
        "honeypot filled: submission dropped (1 since start)",
        "honeypot filled: submission dropped (2 since start)",
    ]
    assert not any("陳大文" in r.getMessage() or "9123" in r.getMessage() for r in caplog.records)


async def test_framed_honeypot_answer_tells_the_host_page_nothing(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    value = form_token((await client.get("/en/register?embed=1")).text)
    clock.advance(10)
    response = await client.post(
        "/en/register?embed=1", data=LEAD | {"token": value, "website": "x"}
    )
    assert response.status_code == 200 and 'class="embed"' in response.text
    assert "leadform-submitted" not in response.text  # no conversion for a bot


# --- rate limits ----------------------------------------------------------------


async def test_sixth_registration_in_a_minute_from_one_address_gets_429(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    for n in range(5):
        value = await token(client, clock)
        data = LEAD | {"token": value, "phone": phone(n)}
        assert (await client.post("/en/register", data=data)).status_code == 303
    value = await token(client, clock, "zh-hant-hk")
    response = await client.post(
        "/zh-hant-hk/register", data=LEAD | {"token": value, "phone": phone(9)}
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "短時間內提交的登記太多" in response.text
    assert 'value="陳大文"' in response.text  # nothing the visitor typed is lost
    assert count_leads(settings) == 5


async def test_limit_applies_per_phone_number_across_addresses(
    environ: dict[str, str], clock: FakeClock, settings: Settings
) -> None:
    for n in range(5):
        async with serve(settings, clock, peer=(f"198.51.100.{n}", 4000)) as c:
            value = await token(c, clock)
            assert (await c.post("/en/register", data=LEAD | {"token": value})).status_code == 303
    async with serve(settings, clock, peer=("198.51.100.99", 4000)) as c:
        value = await token(c, clock)
        # the same number, written differently, is the same number
        data = LEAD | {"token": value, "phone": "+852 9123-4567"}
        response = await c.post("/en/register", data=data)
    assert response.status_code == 429
    assert count_leads(settings) == 5


async def test_limit_frees_up_when_the_window_passes(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    for n in range(5):
        value = await token(client, clock)
        await client.post("/en/register", data=LEAD | {"token": value, "phone": phone(n)})
    value = await token(client, clock)
    limited = await client.post("/en/register", data=LEAD | {"token": value, "phone": phone(7)})
    clock.advance(int(limited.headers["retry-after"]))
    again = await client.post("/en/register", data=LEAD | {"token": value, "phone": phone(7)})
    assert (limited.status_code, again.status_code) == (429, 303)


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("en", "Too many registrations were sent in a short time. Please wait 1 min"),
        ("zh-hant-hk", "短時間內提交的登記太多。請等候 1 分鐘後再試。"),
    ],
)
async def test_api_over_the_limit_gets_429_json_with_retry_after(
    environ: dict[str, str], clock: FakeClock, tag: str, message: str
) -> None:
    settings = load_settings(environ | {"LEADFORM_RATE_LIMIT": "1/minute"})
    async with serve(settings, clock) as c:
        first = (await c.get("/api/form")).json()["token"]
        second = (await c.get("/api/form")).json()["token"]
        clock.advance(10)
        await c.post("/api/leads", data=LEAD | {"token": first})
        response = await c.post("/api/leads", data=LEAD | {"token": second, "locale": tag})
    body = response.json()
    assert response.status_code == 429
    assert body["error"] == "rate_limited" and body["message"].startswith(message)
    assert body["retry_after"] == int(response.headers["retry-after"]) == 60
    assert_documented(response, "/api/leads", "post")


async def test_resubmitting_an_accepted_form_is_never_limited(
    environ: dict[str, str], clock: FakeClock
) -> None:
    settings = load_settings(environ | {"LEADFORM_RATE_LIMIT": "1/minute"})
    async with serve(settings, clock) as c:
        value = await token(c, clock)
        first = await c.post("/en/register", data=LEAD | {"token": value})
        again = await c.post("/en/register", data=LEAD | {"token": value})
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]


async def test_honeypot_submissions_count_towards_the_limit(
    environ: dict[str, str], clock: FakeClock, settings: Settings
) -> None:
    settings = load_settings(environ | {"LEADFORM_RATE_LIMIT": "2/minute"})
    async with serve(settings, clock) as c:
        for n in range(2):
            value = await token(c, clock)
            data = LEAD | {"token": value, "website": "x", "phone": phone(n)}
            assert (await c.post("/en/register", data=data)).status_code == 200
        value = await token(c, clock)
        response = await c.post("/en/register", data=LEAD | {"token": value, "phone": phone(5)})
    assert response.status_code == 429 and count_leads(settings) == 0


async def test_zero_turns_limiting_off(environ: dict[str, str], clock: FakeClock) -> None:
    settings = load_settings(environ | {"LEADFORM_RATE_LIMIT": "0"})
    async with serve(settings, clock) as c:
        for _ in range(8):
            value = await token(c, clock)
            assert (await c.post("/en/register", data=LEAD | {"token": value})).status_code == 303
    assert query(settings.database, "SELECT key FROM rate_hits") == []


async def test_counts_are_shared_by_instances_on_one_database(
    environ: dict[str, str], clock: FakeClock
) -> None:
    settings = load_settings(environ | {"LEADFORM_RATE_LIMIT": "2/hour"})
    async with serve(settings, clock) as one, serve(settings, clock) as two:
        answers = []
        for n, instance in enumerate((one, two, one, two)):
            value = await token(instance, clock)
            response = await instance.post(
                "/en/register", data=LEAD | {"token": value, "phone": phone(n)}
            )
            answers.append(response.status_code)
    assert answers == [303, 303, 429, 429]


async def test_counts_hold_hashes_not_addresses_or_phone_numbers(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    value = await token(client, clock)
    await client.post("/en/register", data=LEAD | {"token": value})
    keys = [row["key"] for row in query(settings.database, "SELECT key FROM rate_hits")]
    assert len(keys) == 2
    assert not any("203.0.113.9" in key or "91234567" in key for key in keys)


# --- the client address ---------------------------------------------------------


@pytest.fixture
async def behind_proxy(
    environ: dict[str, str], clock: FakeClock
) -> AsyncIterator[tuple[httpx.AsyncClient, Settings]]:
    settings = load_settings(environ | {"LEADFORM_TRUSTED_PROXIES": "10.0.0.0/8"})
    async with serve(settings, clock, peer=("10.1.2.3", 4000)) as c:
        yield c, settings


async def test_forwarded_address_is_used_when_the_peer_is_a_trusted_proxy(
    behind_proxy: tuple[httpx.AsyncClient, Settings], clock: FakeClock
) -> None:
    client, settings = behind_proxy
    value = await token(client, clock)
    headers = {"X-Forwarded-For": "198.51.100.7, 10.9.9.9"}
    await client.post("/en/register", data=LEAD | {"token": value}, headers=headers)
    assert query(settings.database, "SELECT ip FROM leads") == [{"ip": "198.51.100.7"}]


async def test_forwarded_address_is_ignored_from_an_untrusted_peer(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    value = await token(client, clock)
    headers = {"X-Forwarded-For": "198.51.100.7"}
    await client.post("/en/register", data=LEAD | {"token": value}, headers=headers)
    assert query(settings.database, "SELECT ip FROM leads") == [{"ip": "203.0.113.9"}]


async def test_rotating_forwarded_addresses_from_an_untrusted_peer_do_not_escape_the_limit(
    environ: dict[str, str], clock: FakeClock
) -> None:
    settings = load_settings(environ | {"LEADFORM_RATE_LIMIT": "2/minute"})
    async with serve(settings, clock) as c:
        statuses = []
        for n in range(3):
            value = await token(c, clock)
            headers = {"X-Forwarded-For": f"198.51.100.{n}"}
            data = LEAD | {"token": value, "phone": phone(n)}
            statuses.append((await c.post("/en/register", data=data, headers=headers)).status_code)
    assert statuses == [303, 303, 429]


async def test_concurrent_submissions_cannot_slip_past_the_limit_together(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    import anyio

    tokens = [form_token((await client.get("/en/register")).text) for _ in range(8)]
    clock.advance(10)
    statuses: list[int] = []

    async def post(n: int) -> None:
        data = LEAD | {"token": tokens[n], "phone": phone(n)}
        statuses.append((await client.post("/en/register", data=data)).status_code)

    async with anyio.create_task_group() as group:
        for n in range(8):
            group.start_soon(post, n)
    assert sorted(statuses) == [303] * 5 + [429] * 3
    assert count_leads(settings) == 5
