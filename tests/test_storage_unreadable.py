"""A database that cannot be read: every staff page, both exports and the status
command answer with the storage layer's one error (issue 12), never a 500 or a
traceback. Writes failing are covered by test_storage_faults.py.

"Unreadable" is made real, not injected: the tables are dropped (or the file is
overwritten) behind the running service's back, so its reads fail in the driver.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from leadform.application import create_app
from leadform.config import Settings
from tests.conftest import FakeClock, sign_in
from tests.factories import add_staff, add_token, ensure_schema, insert_leads, lead
from tests.test_cli import run_leadform
from tests.test_notifications_cli import environment

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_file]

STAFF_PAGES = ("/admin", "/admin/exports", "/admin/leads.csv", "/admin/leads.xlsx")
STAFF_TABLES = ("staff", "staff_sessions", "api_tokens", "login_attempts")
TABLES = ("consent_wordings", "leads", "rate_hits", "exports", "notifications", *STAFF_TABLES)


@asynccontextmanager
async def service(settings: Settings, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    """A client that shows a 500 as a response instead of raising the app's error."""
    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


def drop(path: Path, tables: Iterable[str]) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        for table in tables:
            conn.execute(f"DROP TABLE {table}")


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.request.url, response.text[:200])
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    "gone",
    [
        pytest.param([t for t in TABLES if t not in STAFF_TABLES], id="leads-unreadable"),
        pytest.param(TABLES, id="everything-unreadable"),
    ],
)
async def test_every_staff_page_and_export_answers_503(
    settings: Settings, clock: FakeClock, gone: list[str]
) -> None:
    async with service(settings, clock) as client:
        add_staff(settings.database)
        token = add_token(settings.database)
        insert_leads(settings.database, [lead()])
        assert (await sign_in(client)).status_code == 303
        drop(settings.database, gone)
        for path in STAFF_PAGES:
            assert_unavailable(await client.get(path))
        bearer = {"Authorization": f"Bearer {token}"}
        for path in ("/admin/leads.csv", "/admin/leads.xlsx"):
            client.cookies.clear()
            assert_unavailable(await client.get(path, headers=bearer))


def test_status_command_says_one_line_when_the_tables_are_gone(tmp_path: Path) -> None:
    env = environment(tmp_path)
    ensure_schema(tmp_path / "leads.db")  # commands never create a database
    assert run_leadform("notifications", "status", env=env, cwd=tmp_path).returncode == 0
    drop(tmp_path / "leads.db", ["notifications"])
    result = run_leadform("notifications", "status", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "leadform: database: no such table: notifications\n"


def test_status_command_says_one_line_when_the_file_is_not_a_database(tmp_path: Path) -> None:
    env = environment(tmp_path)
    (tmp_path / "leads.db").write_bytes(b"this is not a database, it is a text file\n" * 100)
    result = run_leadform("notifications", "status", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("leadform: ")
    assert "Traceback" not in result.stderr
