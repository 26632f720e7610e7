"""LEADFORM_SECURE_COOKIES=1 behind a proxy that does not say the request was HTTPS:
the browser drops the Secure cookies, so sign-in could never work. Say why, to the
staff on the page and to the operator in the log."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx
import pytest
from asgi_lifespan import LifespanManager

from leadform.application import create_app
from leadform.config import Settings
from tests.conftest import FakeClock, sign_in
from tests.factories import add_staff

pytestmark = pytest.mark.anyio

EXPLAINED = "the proxy must pass on X-Forwarded-Proto"


@asynccontextmanager
async def secure_cookie_client(
    settings: Settings, clock: FakeClock, base_url: str, **headers: str
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        replace(settings, secure_cookies=True, trusted_proxies=("127.0.0.1/32",)), clock=clock
    )
    async with LifespanManager(app) as manager:
        add_staff(settings.database)
        transport = httpx.ASGITransport(app=manager.app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(
            transport=transport, base_url=base_url, headers=headers
        ) as client:
            yield client


async def test_sign_in_page_over_http_says_why_it_cannot_work(
    settings: Settings, clock: FakeClock
) -> None:
    async with secure_cookie_client(settings, clock, "http://testserver") as client:
        page = await client.get("/admin/login")
    assert page.status_code == 200 and EXPLAINED in page.text


async def test_sign_in_over_http_is_refused_with_the_reason_logged(
    settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with secure_cookie_client(settings, clock, "http://testserver") as client:
        with caplog.at_level(logging.WARNING, logger="leadform"):
            response = await sign_in(client)
    assert response.status_code == 403 and EXPLAINED in response.text
    assert "X-Forwarded-Proto: https" in caplog.text
    assert "LEADFORM_SECURE_COOKIES=1" in caplog.text


async def test_sign_in_over_https_has_no_warning(settings: Settings, clock: FakeClock) -> None:
    async with secure_cookie_client(settings, clock, "https://testserver") as client:
        page = await client.get("/admin/login")
        response = await sign_in(client)
    assert EXPLAINED not in page.text
    assert response.status_code == 303
