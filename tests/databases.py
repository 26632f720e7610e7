"""Both storage engines for tests: a SQLite file, or a PostgreSQL database of the
test's own, created for it and dropped after it.

PostgreSQL is found at LEADFORM_TEST_POSTGRES (an administrative URL, e.g.
postgresql://root@127.0.0.1:5432/postgres), else on 127.0.0.1:5432. When that
variable is set (as .ci/run does) a server that does not answer fails the tests;
when it is not, they are skipped with one line saying how to run them.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Coroutine, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg
import pytest

from leadform.config import PostgresUrl

ENV = "LEADFORM_TEST_POSTGRES"
DEFAULT_ADMIN_URL = "postgresql://root@127.0.0.1:5432/postgres"
ENGINES = ("sqlite", "postgresql")
T = TypeVar("T")


@cache
def _answer(url: str) -> str | None:
    """None when the server answers, else why not."""

    async def ping() -> None:
        conn = await asyncpg.connect(url, timeout=3)
        await conn.close()

    try:
        asyncio.run(ping())
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return str(exc) or type(exc).__name__
    return None


def admin_url() -> str:
    """The server's administrative URL, or skip (fail under .ci/run) when it is down."""
    url = os.environ.get(ENV) or DEFAULT_ADMIN_URL
    problem = _answer(url)
    if problem is None:
        return url
    if os.environ.get(ENV):
        pytest.fail(f"{ENV}={url} does not answer: {problem}")
    pytest.skip(
        f"PostgreSQL tests need a server: start one on 127.0.0.1:5432 or set {ENV}="
        "postgresql://user@host:5432/postgres (trust or password in the URL)"
    )


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(admin_url(), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database() -> PostgresUrl:
    """A new, empty database on the test server; drop it with drop_database."""
    admin = admin_url()
    name = f"leadform_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    return PostgresUrl(urlsplit(admin)._replace(path=f"/{name}").geturl())


def drop_database(url: PostgresUrl) -> None:
    name = urlsplit(url.url).path.strip("/")
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=ENGINES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path | PostgresUrl]:
    """Where a test's database lives, once per engine."""
    if request.param == "sqlite":
        yield tmp_path / "leads.db"
        return
    url = create_database()
    try:
        yield url
    finally:
        drop_database(url)


async def rows(target: Path | PostgresUrl, sql: str, *params: Any) -> list[dict[str, Any]]:
    """Rows straight from the database, as dicts (for checks the app cannot make).
    `sql` uses `?` placeholders."""
    if isinstance(target, PostgresUrl):
        from leadform.storage.postgresql import numbered

        server = await asyncpg.connect(target.url, timeout=5)
        try:
            return [dict(r) for r in await server.fetch(numbered(sql), *params)]
        finally:
            await server.close()
    import sqlite3

    with sqlite3.connect(target) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params).fetchall()]


def apart(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` to the end on an event loop of its own in a helper thread: for code
    that cannot await, called from sync and async tests alike."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


def query(target: Path | PostgresUrl, sql: str, *params: Any) -> list[dict[str, Any]]:
    """`rows` for code that cannot await (helpers called from sync and async tests
    alike): a PostgreSQL query runs on a loop of its own in a helper thread."""
    if not isinstance(target, PostgresUrl):
        import sqlite3

        with sqlite3.connect(target) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql, params).fetchall()]
    return apart(rows(target, sql, *params))


def write(target: Path | PostgresUrl, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
    """Run `statements` (`?` placeholders) in one transaction, straight on the database,
    for tests that set up what the app would have written; returns each statement's
    first value (an id from `RETURNING id`, else None). Callable from sync and async
    tests alike: PostgreSQL runs on a loop of its own in a helper thread."""
    if not isinstance(target, PostgresUrl):
        import sqlite3

        conn = sqlite3.connect(target, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("BEGIN IMMEDIATE")
            values = []
            for sql, params in statements:
                row = conn.execute(sql, tuple(params)).fetchone()
                values.append(row[0] if row else None)
            conn.execute("COMMIT")
            return values
        finally:
            conn.close()

    async def run() -> list[Any]:
        from leadform.storage.postgresql import numbered

        conn = await asyncpg.connect(target.url, timeout=5)
        try:
            async with conn.transaction():
                return [await conn.fetchval(numbered(sql), *params) for sql, params in statements]
        finally:
            await conn.close()

    return apart(run())


@contextmanager
def tables_locked(target: Path | PostgresUrl) -> Iterator[None]:
    """Another process holds the write lock, as a long transaction would: SQLite's
    BEGIN IMMEDIATE, or PostgreSQL's exclusive lock on the lead tables."""
    if not isinstance(target, PostgresUrl):
        import sqlite3

        other = sqlite3.connect(target, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    locked, release = threading.Event(), threading.Event()

    async def hold() -> None:
        conn = await asyncpg.connect(target.url, timeout=5)
        try:
            async with conn.transaction():
                await conn.execute(
                    "LOCK TABLE leads, consent_wordings, rate_hits IN EXCLUSIVE MODE"
                )
                locked.set()
                while not release.is_set():
                    await asyncio.sleep(0.01)
        finally:
            await conn.close()

    holder = threading.Thread(target=asyncio.run, args=(hold(),))
    holder.start()
    locked.wait(10)
    try:
        yield
    finally:
        release.set()
        holder.join()


def on_engine(environ: dict[str, str], database: Path | PostgresUrl) -> dict[str, str]:
    """`environ` with LEADFORM_DATABASE on the test's engine. A module runs every test
    on both engines by overriding its `environ` fixture with this."""
    value = database.url if isinstance(database, PostgresUrl) else str(database)
    return environ | {"LEADFORM_DATABASE": value}


@pytest.fixture
def postgres() -> Iterator[PostgresUrl]:
    """A PostgreSQL database of the test's own (for tests only PostgreSQL can run)."""
    url = create_database()
    try:
        yield url
    finally:
        drop_database(url)
