"""The fast path (views/fast_path.py) answers exactly as the full stack does.

The same requests go to an app with the fast path and to one without it (same
settings, clock and secret, each on its own database), one after the other, and
the answers are compared: status, headers and body (the form token's value masked,
as each page issues its own, and a new lead's reference, as each database draws its
own), gzip bodies compared inflated; and the request log line.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from leadform.application import create_app
from leadform.config import Settings
from leadform.registration.form_tokens import FormTokens
from tests.conftest import FakeClock
from tests.test_http_form import VALID

pytestmark = pytest.mark.anyio

# The form token each page issues, and the reference each database gives a new lead.
TOKEN = re.compile(rb'(name="token" value=")[^"]*(")|("(?:token|reference)":")[^"]*(")')
GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

GETS: list[tuple[str, dict[str, str]]] = [
    ("/en/register", PLAIN),
    ("/en/register", GZIP),
    ("/zh-hant-hk/register", PLAIN),
    ("/zh-hant-hk/register", GZIP),
    ("/zh-hans-cn/register", GZIP),
    ("/en/register?treatment=milia", PLAIN),
    ("/en/register?treatment=%3Cb%3E", PLAIN),
    ("/en/register?embed=1&accent=%23aa3366", GZIP),
    ("/zh-hant-hk/register?embed=1", PLAIN),
    ("/en/register?utm_source=news&gclid=abc&page_url=https%3A%2F%2Fclinic.example%2F", GZIP),
    ("/en/register", PLAIN | {"Referer": "https://search.example/?q=<acne>"}),
    ("/en/register", PLAIN | {"Host": "clinic.example"}),
    ("/en/register", PLAIN | {"Accept-Language": "zh-HK"}),
    ("/EN/register", PLAIN),
    ("/zh-HK/register", PLAIN),
    ("/xx/register", PLAIN),
    ("/en/register/", PLAIN),
    ("/en/registers", PLAIN),
    ("/en/thanks/nothing", PLAIN),
    ("/", PLAIN),
]


def posts(token: str, other_token: str) -> list[tuple[str, str, dict[str, Any], bytes]]:
    """(path, name, headers, body): every outcome the form can have."""
    valid = httpx.QueryParams(VALID | {"token": token})
    return [
        ("/en/register", "accepted", FORM | PLAIN, str(valid).encode()),
        (
            "/zh-hant-hk/register?embed=1&accent=%23aa3366",
            "accepted, embedded",
            FORM | GZIP,
            str(httpx.QueryParams(VALID | {"token": other_token})).encode(),
        ),
        ("/en/register", "the same token again", FORM | GZIP, str(valid).encode()),
        ("/en/register", "missing fields", FORM | GZIP, b"name=&token=" + token.encode()),
        (
            "/zh-hant-hk/register",
            "a closed day (a public holiday)",
            FORM | GZIP,
            str(valid.set("preferred_date", "2026-12-25")).encode(),
        ),
        ("/zh-hans-cn/register", "forged token", FORM | PLAIN, b"name=x&token=forged"),
        ("/en/register", "no token", FORM | GZIP, b"name=x"),
        (
            "/en/register",
            "honeypot",
            FORM | PLAIN,
            str(valid.set("website", "spam")).encode(),
        ),
        ("/en/register", "bad UTF-8", FORM | PLAIN, b"name=%ff&token=" + token.encode()),
        ("/en/register", "too large", FORM | PLAIN, b"name=" + b"x" * 70_000),
        ("/en/register", "JSON", {"Content-Type": "application/json"} | PLAIN, b"{}"),
        ("/en/register", "no content type", PLAIN, b"name=x"),
        ("/en/register", "multipart", {"Content-Type": "multipart/form-data"} | PLAIN, b"x"),
        ("/en/register", "bad length", FORM | PLAIN | {"Content-Length": "x"}, b""),
        (
            "/en/register",
            "a length in other digits",
            FORM | PLAIN | {"Content-Length": b"\xb2"},
            b"",
        ),
        ("/EN/register", "non-canonical tag", FORM | PLAIN, str(valid).encode()),
    ]


def api_posts(token: str) -> list[tuple[str, str, dict[str, Any], bytes]]:
    """(path, name, headers, body) for POST /api/leads: every outcome, both body types."""
    fields = {"name": "Chan Tai Man"} | {k: v for k, v in VALID.items() if k != "name"}
    valid = json.dumps(fields | {"token": token}).encode()
    as_json = {"Content-Type": "application/json"}
    return [
        ("/api/leads", "accepted", as_json | PLAIN, valid),
        ("/api/leads", "the same token again", as_json | GZIP, valid),
        (
            "/api/leads",
            "form-encoded, in Chinese",
            FORM | PLAIN,
            str(httpx.QueryParams(fields | {"token": token, "locale": "zh-hant-hk"})).encode(),
        ),
        ("/api/leads?locale=zh-hans-cn", "missing fields", as_json | PLAIN, b'{"name": ""}'),
        (
            "/api/leads?locale=zh-hant-hk",
            "a closed day (a public holiday)",
            as_json | PLAIN,
            json.dumps(fields | {"token": token, "preferred_date": "2026-12-25"}).encode(),
        ),
        ("/api/leads", "forged token", as_json | {"Accept-Language": "zh-HK"}, b'{"token": "x"}'),
        (
            "/api/leads",
            "honeypot",
            as_json | PLAIN,
            json.dumps(fields | {"token": token, "website": "spam"}).encode(),
        ),
        ("/api/leads", "malformed JSON", as_json | PLAIN, b'{"name":'),
        ("/api/leads", "an array", as_json | PLAIN, b"[]"),
        ("/api/leads", "from a browser", as_json | {"Origin": "https://a.example"}, valid),
        ("/api/leads", "text", {"Content-Type": "text/plain"} | PLAIN, b"x"),
        ("/api/leads", "too large", as_json | PLAIN, b'{"name": "' + b"x" * 70_000 + b'"}'),
    ]


@asynccontextmanager
async def two_clients(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    full_settings = dataclasses.replace(settings, database=tmp_path / "full.db")
    fast_app = create_app(settings, clock=clock)
    full_app = create_app(full_settings, clock=clock, fast_path=False)
    async with LifespanManager(fast_app) as fast, LifespanManager(full_app) as full:
        clients = [
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app, client=("203.0.113.9", 5000)),
                base_url="http://testserver",
            )
            for manager in (fast, full)
        ]
        async with clients[0] as fast_client, clients[1] as full_client:
            yield fast_client, full_client


def masked(response: httpx.Response) -> dict[str, Any]:
    # httpx inflates a gzip body; its compressed bytes differ with the token's value.
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if not (name == "content-length" and response.headers.get("content-encoding"))
    ]
    return {
        "status": response.status_code,
        "headers": headers,
        "body": TOKEN.sub(rb"\1\3TOKEN\2\4", response.content),
    }


def log_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    lines = [r.getMessage() for r in caplog.records if r.name == "leadform.request"]
    caplog.clear()
    return [re.sub(r"duration_ms=\S+", "", line) for line in lines]


@pytest.mark.parametrize(("path", "headers"), GETS)
async def test_a_page_is_the_same_through_the_fast_path_and_the_full_stack(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    path: str,
    headers: dict[str, str],
) -> None:
    caplog.set_level(logging.INFO, logger="leadform.request")
    async with two_clients(settings, clock, tmp_path) as (fast, full):
        for _ in range(2):  # rendered for the cache, then served from it
            fast_answer = masked(await fast.get(path, headers=headers))
            fast_log = log_lines(caplog)
            full_answer = masked(await full.get(path, headers=headers))
            assert fast_answer == full_answer
            assert fast_log == log_lines(caplog)


async def test_a_head_request_is_the_same_through_the_fast_path_and_the_full_stack(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    async with two_clients(settings, clock, tmp_path) as (fast, full):
        for _ in range(2):
            assert masked(await fast.head("/en/register")) == masked(
                await full.head("/en/register")
            )


async def test_every_submission_outcome_is_the_same_through_the_fast_path_and_the_full_stack(
    settings: Settings, clock: FakeClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="leadform.request")
    tokens = FormTokens(settings.secret_key, clock, settings.min_fill_seconds)
    token, other_token = tokens.issue(), tokens.issue()
    clock.advance(10)  # a person takes longer than the minimum fill time
    async with two_clients(settings, clock, tmp_path) as (fast, full):
        for path, name, headers, body in posts(token, other_token):
            fast_answer = masked(await fast.post(path, headers=headers, content=body))
            fast_log = log_lines(caplog)
            full_answer = masked(await full.post(path, headers=headers, content=body))
            assert fast_answer == full_answer, name
            assert fast_log == log_lines(caplog), name


async def test_every_api_outcome_is_the_same_through_the_fast_path_and_the_full_stack(
    settings: Settings, clock: FakeClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="leadform.request")
    token = FormTokens(settings.secret_key, clock, settings.min_fill_seconds).issue()
    clock.advance(10)
    async with two_clients(settings, clock, tmp_path) as (fast, full):
        for path, name, headers, body in api_posts(token):
            fast_answer = masked(await fast.post(path, headers=headers, content=body))
            fast_log = log_lines(caplog)
            full_answer = masked(await full.post(path, headers=headers, content=body))
            assert fast_answer == full_answer, name
            assert fast_log == log_lines(caplog), name


async def test_a_submission_read_in_several_chunks_is_the_same_through_the_fast_path(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    token = FormTokens(settings.secret_key, clock, settings.min_fill_seconds).issue()
    clock.advance(10)
    body = str(httpx.QueryParams(VALID | {"token": token})).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for at in range(0, len(body), 16):
            yield body[at : at + 16]

    async with two_clients(settings, clock, tmp_path) as (fast, full):
        answers = [
            masked(await client.post("/en/register", headers=FORM | PLAIN, content=chunks()))
            for client in (fast, full)
        ]
    assert answers[0] == answers[1]
    assert answers[0]["status"] == 303
