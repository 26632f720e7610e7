"""Storage trouble while the service runs: a localised 503 with the visitor's values
kept, a log line for the operator, and recovery without a restart.

Disk full is real where the sandbox lets a test mount a small tmpfs (tests run as
root here); elsewhere, and for a read-only database (root writes through chmod,
and a file system cannot be remounted read-only under an open database), the
SQLite error is injected at the storage boundary: the writer's COMMIT fails.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from leadform.application import create_app
from leadform.config import Settings, load_settings
from leadform.views.context import AppContext
from tests.conftest import FakeClock, form_token
from tests.databases import tables_locked
from tests.test_http_form import VALID, fresh_token, stored_leads

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_file]

Trouble = Callable[[AppContext], AbstractContextManager[None]]
CAUSES = {
    "disk full": "database or disk is full",
    "read-only database": "attempt to write a readonly database",
    "locked past the busy timeout": "database is locked",
}


@contextmanager
def small_filesystem(folder: Path, size: str = "4m") -> Iterator[bool]:
    """A size-limited tmpfs at `folder`; yields False when mounting is not allowed."""
    folder.mkdir()
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)


@contextmanager
def filled(folder: Path) -> Iterator[None]:
    """Fill the file system holding `folder` to the last byte, then free it again."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as handle:
        for size in (65536, 4096, 1):  # down to the last byte
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    try:
        yield
    finally:
        filler.unlink()


@contextmanager
def injected(ctx: AppContext, monkeypatch: pytest.MonkeyPatch, error: str) -> Iterator[None]:
    """The writer's COMMIT fails with `error`, as SQLite raises it when the disk is
    full or the file read-only: whatever the transaction wrote is rolled back."""
    conn = ctx.db.writer.conn
    real = conn.execute

    def failing_commit(sql: str, *args: Any) -> Any:
        if sql.strip().upper() == "COMMIT":
            raise sqlite3.OperationalError(error)
        return real(sql, *args)

    with monkeypatch.context() as patch:
        patch.setattr(conn, "execute", failing_commit)
        yield


@pytest.fixture(params=list(CAUSES))
async def trouble(
    request: pytest.FixtureRequest,
    environ: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[Settings, Trouble, str]]:
    kind = request.param
    if kind == "disk full":
        with small_filesystem(tmp_path / "small") as mounted:
            if mounted:
                environ["LEADFORM_DATABASE"] = str(tmp_path / "small" / "leads.db")
                settings = load_settings(environ)
                yield settings, lambda ctx: filled(tmp_path / "small"), CAUSES[kind]
            else:
                settings = load_settings(environ)
                yield settings, lambda ctx: injected(ctx, monkeypatch, CAUSES[kind]), CAUSES[kind]
        return
    settings = load_settings(environ)
    if kind == "read-only database":
        yield settings, lambda ctx: injected(ctx, monkeypatch, CAUSES[kind]), CAUSES[kind]
    else:
        yield settings, lambda ctx: tables_locked(settings.database), CAUSES[kind]


async def test_storage_trouble_gives_a_localised_503_a_log_line_and_recovers(
    trouble: tuple[Settings, Trouble, str], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    settings, cause, logged = trouble
    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            token = await fresh_token(client, clock, "zh-hant-hk")
            caplog.set_level(logging.INFO, logger="leadform")
            with cause(manager._state["ctx"]):
                refused = await client.post("/zh-hant-hk/register", data=VALID | {"token": token})
            retry = await client.post("/zh-hant-hk/register", data=VALID | {"token": token})
            healthy = await client.get("/healthz")

    assert refused.status_code == 503
    assert "我們暫時未能儲存你的登記" in refused.text
    assert 'value="陳大文"' in refused.text and 'value="9123 4567"' in refused.text
    assert form_token(refused.text) == token  # the retry is the same submission
    assert any(
        r.levelno >= logging.ERROR and r.getMessage() == f"lead not stored: {logged}"
        for r in caplog.records
    )
    assert retry.status_code == 303 and healthy.status_code == 200
    assert len(stored_leads(settings)) == 1
