"""The PostgreSQL server restarts under load (`pg_ctlcluster 15 main stop`, then
`start`): visitors get the 503 with their values kept, /healthz says 503, and the same
leadform process recovers on its own; nothing acknowledged is lost or stored twice.

A `load` test (make test-load, .ci/run): it stops the machine's shared server."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from leadform.config import PostgresUrl
from tests.databases import rows
from tests.servers import bookable_day, lead_form, new_token, running_server

pytestmark = [pytest.mark.anyio, pytest.mark.load]

CLUSTER = ["15", "main"]


@pytest.fixture(autouse=True)
def cluster() -> Iterator[None]:
    if shutil.which("pg_ctlcluster") is None:
        pytest.skip("needs Debian's pg_ctlcluster to restart the server")
    yield
    subprocess.run(["pg_ctlcluster", *CLUSTER, "start"], check=False)  # left running


async def test_leadform_rides_out_a_database_restart(tmp_path: Path, postgres: PostgresUrl) -> None:
    with running_server(tmp_path, LEADFORM_DATABASE=postgres.url) as server:
        day = bookable_day(server.base_url)
        acknowledged: list[str] = []
        refused: list[httpx.Response] = []
        stop_load = asyncio.Event()

        async def load() -> None:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
                while not stop_load.is_set():
                    token = new_token()
                    response = await client.post("/zh-hant-hk/register", data=lead_form(token, day))
                    if response.status_code == 303:
                        acknowledged.append(token.split(".", 1)[0])
                    else:
                        refused.append(response)
                        await asyncio.sleep(0.05)

        workers = [asyncio.create_task(load()) for _ in range(4)]
        await asyncio.sleep(1.5)
        await asyncio.to_thread(subprocess.run, ["pg_ctlcluster", *CLUSTER, "stop"], check=True)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            health_down = (await client.get("/healthz")).status_code
        await asyncio.sleep(1.5)
        # pg_ctlcluster calls a start failed when a client knocked while it came up
        # ("the database system is starting up"): what counts is that it answers.
        await asyncio.to_thread(subprocess.run, ["pg_ctlcluster", *CLUSTER, "start"], check=False)
        await asyncio.to_thread(
            subprocess.run, ["pg_isready", "-q", "-h", "127.0.0.1", "-t", "60"], check=True
        )
        before = len(acknowledged)
        async with asyncio.timeout(60):  # recovers without being restarted
            while len(acknowledged) < before + 20:
                await asyncio.sleep(0.1)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            health_up = (await client.get("/healthz")).status_code
        stop_load.set()
        await asyncio.gather(*workers)
        assert server.process.poll() is None
    assert (health_down, health_up) == (503, 200)
    assert refused, "no submission met the outage"
    assert {r.status_code for r in refused} == {503}
    assert all("Chan Tai Man" in r.text for r in refused)  # the visitor's values kept
    assert all('lang="zh-Hant-HK"' in r.text for r in refused)  # in their language
    stored = [r["token_id"] for r in await rows(postgres, "SELECT token_id FROM leads")]
    assert sorted(stored) == sorted(set(stored))  # nothing twice
    assert set(acknowledged) <= set(stored)  # nothing acknowledged lost
