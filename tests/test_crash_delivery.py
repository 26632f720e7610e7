"""A real `leadform serve` killed after the lead is committed and before its webhook
is delivered: on restart the notification goes out. Real processes, real time."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import form_token
from tests.outbox_support import outbox_rows, wait_for_rows
from tests.peers import SECRET as WEBHOOK_SECRET
from tests.peers import Receiver, serving
from tests.servers import BODY, bookable_day, free_port, lead_form, start_server, stop

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def wait_for_failed_attempt(database: Path) -> None:
    """The lead is committed, its first attempt failed and its lease is given back."""
    async with asyncio.timeout(180):
        while True:
            rows = outbox_rows(database) if database.exists() else []
            if rows and rows[0]["attempts"] >= 1 and rows[0]["lease_owner"] is None:
                return
            await asyncio.sleep(0.05)


async def test_a_notification_pending_when_the_service_is_killed_is_delivered_on_restart(
    tmp_path: Path,
) -> None:
    receiver_port = free_port()
    database = tmp_path / "leads.db"
    webhook = {
        "LEADFORM_WEBHOOK_URL": f"http://127.0.0.1:{receiver_port}/leads",
        "LEADFORM_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    first = start_server(tmp_path, **webhook)
    try:
        async with httpx.AsyncClient(base_url=first.base_url) as client:
            token = form_token((await client.get("/en/register")).text)
            data = lead_form(token, bookable_day(first.base_url))
            response = await client.post("/en/register", data=data)
        assert response.status_code == 303
        await wait_for_failed_attempt(database)  # the receiver is not up yet
    finally:
        stop(first.process, signal.SIGKILL)
    [row] = outbox_rows(database)
    assert (row["status"], row["last_error"]) == ("pending", "ConnectError")

    receiver = Receiver(now=lambda: int(time.time()))
    async with serving(receiver, receiver_port):
        second = start_server(tmp_path, wait=False, **webhook)
        try:
            await wait_for_rows(database, "delivered", timeout=180)
        finally:
            stop(second.process)
    # uvicorn re-raises the signal once shut down, so the status is -15 or 0
    assert second.process.returncode in (0, -signal.SIGTERM)
    [request] = receiver.received
    assert request.verified
    assert request.headers["leadform-delivery"] == row["delivery_id"]
    assert request.document["name"] == BODY["name"]
    output = first.log.read_text(encoding="utf-8")
    last = [line.split(" uvicorn.error: ", 1)[-1] for line in output.rstrip().splitlines()[-2:]]
    assert last == [
        "Application shutdown complete.",  # the delivery task stopped cleanly
        f"Finished server process [{second.process.pid}]",
    ]
    assert "Traceback" not in output
