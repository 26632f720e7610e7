"""A real `leadform serve` process on a free 127.0.0.1 port, for crash, shutdown and
load tests; always stopped by the test that started it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from leadform.clock import system_clock
from leadform.registration.form_tokens import FormTokens

SECRET = "server-test-secret-" + "s" * 32
BODY = {
    "name": "Chan Tai Man",
    "phone": "9123 4567",
    "email": "chan@example.com",
    "treatment": "acne",
    "consent_terms": "yes",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def new_token() -> str:
    """A valid form token, as the form page would have issued (fill time 0 here)."""
    return FormTokens(SECRET, system_clock, 0).issue()


def token_id(token: str) -> str:
    return token.split(".", 1)[0]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    database: Path
    log: Path


def server_env(database: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "LEADFORM_DATABASE": str(database),
        "LEADFORM_SECRET_KEY": SECRET,
        "LEADFORM_MIN_FILL_SECONDS": "0",
        "LEADFORM_RATE_LIMIT": "0",
        "LEADFORM_LOCALES_DIR": str(Path(__file__).resolve().parent.parent / "locales"),
        **extra,
    }


def wait_ready(server: Server, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited: {server.log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not become ready")


@contextmanager
def running_server(database: Path, log: Path, **env: str) -> Iterator[Server]:
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "leadform", "serve", f"--port={port}"],
            env=server_env(database, **env),
            cwd=database.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", database, log)
    try:
        wait_ready(server)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def lead_form(token: str, preferred_date: str) -> dict[str, str]:
    return BODY | {"preferred_date": preferred_date, "token": token}


def bookable_date() -> str:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    return (system_clock().astimezone(ZoneInfo("Asia/Hong_Kong")).date() + timedelta(7)).isoformat()
