"""Fixtures: settings on a temporary database, a movable clock, an httpx client
over the ASGI app with its lifespan running."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from asgi_lifespan import LifespanManager

from leadform.application import create_app
from leadform.config import PostgresUrl, Settings, load_settings
from tests.databases import database, postgres  # noqa: F401 - fixtures for every module

ROOT = Path(__file__).resolve().parent.parent
# The fake clock's fixed "now": 10:00 in Hong Kong on Thursday 26 November 2026. Tests
# under the fake clock state dates relative to it (A_BOOKABLE_DAY below, and literal
# expectations such as the range 2026-11-27..2027-02-24 in rule tables). A test that
# starts a real server or reads the real clock takes its dates from that server's rule
# (tests.servers.bookable_day), never from here.
DEFAULT_NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
CLINIC_ZONE = ZoneInfo("Asia/Hong_Kong")


def clinic_day(days_after_now: int) -> str:
    """The clinic's calendar day `days_after_now` after the fake clock's now, ISO."""
    return (DEFAULT_NOW.astimezone(CLINIC_ZONE).date() + timedelta(days_after_now)).isoformat()


# Inside the default bookable range (1 to 90 days ahead) under the fake clock.
A_BOOKABLE_DAY = clinic_day(5)


class FakeClock:
    """A clock tests can set and move; the app reads it through create_app(clock=)."""

    def __init__(self, now: datetime = DEFAULT_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def environ(tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    # LEADFORM_TEST_ENGINE=postgresql (make test-postgres) puts every app the tests
    # build on PostgreSQL (a database of the test's own), not only the modules that run
    # on both engines; tests of the SQLite file itself stay on it.
    on_postgresql = os.environ.get("LEADFORM_TEST_ENGINE") == "postgresql"
    if on_postgresql and request.node.get_closest_marker("sqlite_file") is None:
        url: PostgresUrl = request.getfixturevalue("postgres")
        database_setting = url.url
    else:
        database_setting = str(tmp_path / "leads.db")
    return {
        "LEADFORM_DATABASE": database_setting,
        "LEADFORM_SECRET_KEY": "test-secret-key-" + "x" * 32,
        "LEADFORM_LOCALES_DIR": str(ROOT / "locales"),
        "LEADFORM_BUSY_TIMEOUT": "0.2",
    }


@pytest.fixture
def settings(environ: dict[str, str]) -> Settings:
    return load_settings(environ)


@asynccontextmanager
async def serve(
    settings: Settings, clock: FakeClock, peer: tuple[str, int] = ("203.0.113.9", 5000)
) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client over a fresh app (lifespan running) with `peer` as the socket's
    client address."""
    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, client=peer)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


@pytest.fixture
async def client(settings: Settings, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(settings, clock) as c:
        yield c


def form_token(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "the page has no form token"
    return match.group(1)


def error_messages(html: str) -> dict[str, str]:
    """Field name -> the message shown next to it."""
    found = re.findall(
        r'<p class="error-message" id="([a-z_]+)-error">'
        r'<span class="visually-hidden">[^<]*</span> (.*?)</p>',
        html,
    )
    return dict(found)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str = "sales@example.com", password: str | None = None
) -> httpx.Response:
    from tests.factories import PASSWORD

    page = await client.get("/admin/login")
    return await client.post(
        "/admin/login",
        data={"email": email, "password": password or PASSWORD, "csrf": csrf_token(page.text)},
    )
