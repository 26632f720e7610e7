"""A real `leadform serve` process on a free port with its own temporary database."""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    database: Path
    log: Path
    process: subprocess.Popen[bytes]

    def url(self, path: str) -> str:
        return self.base_url + path

    def leads(self, **where: str) -> list[dict[str, Any]]:
        """Stored leads matching column = value, read as a separate reader would."""
        clauses = " AND ".join(f"{column} = ?" for column in where) or "1"
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as conn:
            conn.row_factory = sqlite3.Row
            rows = conn.execute(
                f"SELECT * FROM leads WHERE {clauses} ORDER BY id", tuple(where.values())
            ).fetchall()
        return [dict(row) for row in rows]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_server(folder: Path, **settings: str) -> Iterator[RunningServer]:
    """Start `leadform serve` in `folder` with LEADFORM_* `settings`; stop it after.

    A visitor in a browser fills a form faster than the bot check's default
    (LEADFORM_MIN_FILL_SECONDS=2) allows, so tests run with 0 unless they say otherwise.
    Every test's browser posts from 127.0.0.1, often with the same phone number, so the
    rate limits (default 5/minute per address and per number) are off unless a test
    sets LEADFORM_RATE_LIMIT itself.
    """
    port = free_port()
    database = folder / "leads.db"
    log = folder / "server.log"
    env = {
        **os.environ,
        "LEADFORM_DATABASE": str(database),
        "LEADFORM_SECRET_KEY": secrets.token_urlsafe(32),
        "LEADFORM_LOCALES_DIR": str(ROOT / "locales"),
        "LEADFORM_MIN_FILL_SECONDS": "0",
        "LEADFORM_RATE_LIMIT": "0",
        **settings,
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "leadform", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = RunningServer(f"http://127.0.0.1:{port}", database, log, process)
    try:
        wait_until_healthy(server)
        yield server
    finally:
        stop(process)


def wait_until_healthy(server: RunningServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"leadform serve exited:\n{server.log.read_text()}")
        try:
            with urllib.request.urlopen(server.url("/healthz"), timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"leadform serve did not answer in {START_TIMEOUT}s:\n{server.log.read_text()}"
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
