"""Load soak against a real server: 20,000 submissions from 100 concurrent clients.

Run by `make test-load` (and .ci/run), not by `make test`: it takes about a minute.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import anyio
import httpx
import pytest

from tests.servers import bookable_day, lead_form, new_token, running_server, server_env

pytestmark = [pytest.mark.anyio, pytest.mark.load]

SUBMISSIONS = 20_000
CLIENTS = 100


def backup_now(database: Path, target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leadform", "backup", str(target)],
        env=server_env(database),
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_soak_has_no_5xx_and_stores_exactly_the_answered_leads(tmp_path: Path) -> None:
    database = tmp_path / "leads.db"
    statuses: Counter[int] = Counter()
    resent: list[str] = []
    backup = tmp_path / "during-load.db"
    with running_server(tmp_path) as server:
        day = bookable_day(server.base_url)
        # Idle connections are dropped by the client before the server's 5 s keep-alive
        # timeout could close one under it.
        limits = httpx.Limits(
            max_connections=CLIENTS, max_keepalive_connections=CLIENTS, keepalive_expiry=1
        )
        async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=60) as client:

            async def submit(token: str) -> int:
                # A connection the server closed as it was reused fails before any
                # answer; the visitor's browser sends the same form (same token) again.
                for _ in range(3):
                    try:
                        response = await client.post("/en/register", data=lead_form(token, day))
                    except httpx.TransportError:
                        resent.append(token)
                        continue
                    return response.status_code
                raise AssertionError("three transport errors in a row")

            async def visitor() -> None:
                for _ in range(SUBMISSIONS // CLIENTS):
                    statuses[await submit(new_token())] += 1

            async def back_up_halfway() -> None:
                while statuses.total() < SUBMISSIONS // 2:
                    await anyio.sleep(0.1)
                result = await anyio.to_thread.run_sync(backup_now, database, backup)
                assert result.returncode == 0, result.stderr

            async with anyio.create_task_group() as group:
                for _ in range(CLIENTS):
                    group.start_soon(visitor)
                group.start_soon(back_up_halfway)

    assert statuses.total() == SUBMISSIONS
    assert len(resent) < SUBMISSIONS // 100
    assert not [status for status in statuses if status >= 500]
    assert statuses == Counter({303: SUBMISSIONS})
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM leads").fetchone()[0] == statuses[303]
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert 0 < conn.execute("SELECT count(*) FROM leads").fetchone()[0] <= SUBMISSIONS
