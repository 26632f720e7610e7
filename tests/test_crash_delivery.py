"""A real `leadform serve` killed after the lead is committed and before its webhook
is delivered: on restart the notification goes out. Real processes, real time."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, form_token
from tests.outbox_support import outbox_rows, wait_for_rows
from tests.peers import SECRET, Receiver, free_port, serving
from tests.test_http_form import VALID

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@contextmanager
def service(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "leadform", "serve"],
            env={**os.environ, **env},
            cwd=log.parent,
            stdout=output,
            stderr=output,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


async def wait_until_serving(port: int, process: subprocess.Popen[bytes]) -> None:
    async with asyncio.timeout(60), httpx.AsyncClient() as client:
        while True:
            assert process.poll() is None, "leadform serve exited"
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)


async def wait_for_failed_attempt(database: Path) -> None:
    """The lead is committed, its first attempt failed and its lease is given back."""
    async with asyncio.timeout(60):
        while True:
            rows = outbox_rows(database) if database.exists() else []
            if rows and rows[0]["attempts"] >= 1 and rows[0]["lease_owner"] is None:
                return
            await asyncio.sleep(0.05)


async def test_a_notification_pending_when_the_service_is_killed_is_delivered_on_restart(
    tmp_path: Path,
) -> None:
    port, receiver_port = free_port(), free_port()
    database = tmp_path / "leads.db"
    env = {
        "LEADFORM_DATABASE": str(database),
        "LEADFORM_SECRET_KEY": "crash-test-secret-" + "x" * 32,
        "LEADFORM_LOCALES_DIR": str(ROOT / "locales"),
        "LEADFORM_PORT": str(port),
        "LEADFORM_MIN_FILL_SECONDS": "0",
        "LEADFORM_WEBHOOK_URL": f"http://127.0.0.1:{receiver_port}/leads",
        "LEADFORM_WEBHOOK_SECRET": SECRET,
    }
    log = tmp_path / "serve.log"
    with service(env, log) as first:
        await wait_until_serving(port, first)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            token = form_token((await client.get("/en/register")).text)
            response = await client.post("/en/register", data=VALID | {"token": token})
        assert response.status_code == 303
        await wait_for_failed_attempt(database)  # the receiver is not up yet
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    [row] = outbox_rows(database)
    assert (row["status"], row["last_error"]) == ("pending", "ConnectError")

    receiver = Receiver(now=lambda: int(time.time()))
    async with serving(receiver, receiver_port):
        with service(env, log) as second:
            await wait_for_rows(database, "delivered", timeout=60)
            second.send_signal(signal.SIGTERM)
            # uvicorn re-raises the signal once shut down, so the status is -15 or 0
            assert second.wait(timeout=30) in (0, -signal.SIGTERM)
    [request] = receiver.received
    assert request.verified
    assert request.headers["leadform-delivery"] == row["delivery_id"]
    assert request.document["name"] == VALID["name"]
    output = log.read_text(encoding="utf-8")
    assert output.rstrip().splitlines()[-2:] == [
        "INFO:     Application shutdown complete.",  # the delivery task stopped cleanly
        f"INFO:     Finished server process [{second.pid}]",
    ]
    assert "Traceback" not in output
