"""Real server processes on free 127.0.0.1 ports, for crash, load, browser tests and
benches: the one way to start `leadform serve` (or a peer) and to stop it again.

Processes run in their own session, so `stop` reaches every process they started
(uvicorn's reloader and workers too). Everything they print goes to a log file that
start-up failures quote.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from leadform.clock import system_clock
from leadform.registration.form_tokens import FormTokens

ROOT = Path(__file__).resolve().parent.parent
SECRET = "server-test-secret-" + "s" * 32
# Bounds on waiting, not speed checks: a shared 2-core machine under load starts slowly.
START_TIMEOUT = 180.0
STOP_TIMEOUT = 60.0
BODY = {
    "name": "Chan Tai Man",
    "phone": "9123 4567",
    "email": "chan@example.com",
    "treatment": "acne",
    "consent_terms": "yes",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    port: int
    database: Path
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "") -> str:
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


def server_env(database: Path, **settings: str) -> dict[str, str]:
    """The environment of a test server: its own database and secret, the checkout's
    catalogs. Tests post at once and from one address, so the minimum fill time and the
    rate limits are off unless `settings` say otherwise."""
    return {
        **os.environ,
        "LEADFORM_DATABASE": str(database),
        "LEADFORM_SECRET_KEY": SECRET,
        "LEADFORM_MIN_FILL_SECONDS": "0",
        "LEADFORM_RATE_LIMIT": "0",
        "LEADFORM_LOCALES_DIR": str(ROOT / "locales"),
        **settings,
    }


def spawn(
    command: Sequence[str], env: Mapping[str, str], log: Path, cwd: Path = ROOT
) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until `url` answers 200; fail with the log if the process exits first."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {START_TIMEOUT:.0f} s:\n{tail(log)}")


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Send `sig` to the process's whole session; kill what is left after the timeout."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def tail(log: Path, size: int = 4000) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-size:] if log.exists() else ""


def start_server(
    folder: Path, *args: str, wait: bool = True, port: int | None = None, **settings: str
) -> Server:
    """`leadform serve` in `folder` (its database `leads.db` and log `server.log` there,
    unless LEADFORM_DATABASE is among `settings`), with extra `args` such as `--reload`
    or `--workers=2`. The caller stops it (`stop(server.process)`)."""
    return _launch(folder, args, settings, wait, port or free_port())


def _launch(
    folder: Path, args: Sequence[str], settings: dict[str, str], wait: bool, port: int
) -> Server:
    database = Path(settings.pop("LEADFORM_DATABASE", folder / "leads.db"))
    log = folder / "server.log"
    command = [sys.executable, "-m", "leadform", "serve", "--host=127.0.0.1", f"--port={port}"]
    process = spawn([*command, *args], server_env(database, **settings), log, cwd=folder)
    server = Server(process, port, database, log)
    if wait:
        try:
            wait_ready(server.url("/healthz"), process, log)
        except BaseException:
            stop(process, signal.SIGKILL)
            raise
    return server


@contextmanager
def running_server(folder: Path, *args: str, **settings: str) -> Iterator[Server]:
    """`start_server`, stopped (SIGTERM, then SIGKILL) when the block ends."""
    server = _launch(folder, args, settings, True, free_port())
    try:
        yield server
    finally:
        stop(server.process)


def bookable_day(base_url: str) -> str:
    """A day the running server accepts, from its own rule (`/api/form`'s bookable range
    and closed days): the first open day after the earliest, so a clinic midnight
    passing between this call and the post cannot make it too early."""
    bookable = httpx.get(f"{base_url}/api/form", timeout=10).json()["bookable"]
    return open_day_after(bookable, days=1)


def open_day_after(bookable: dict[str, Any], days: int) -> str:
    """The first day at least `days` after `bookable["earliest"]` that is not one of
    `bookable["closed"]` (as `/api/form` describes them), ISO; the latest if none is."""
    earliest, latest = (date.fromisoformat(bookable[end]) for end in ("earliest", "latest"))
    closed = {day["date"] for day in bookable["closed"]}
    for offset in range(days, (latest - earliest).days + 1):
        day = (earliest + timedelta(days=offset)).isoformat()
        if day not in closed:
            return day
    return latest.isoformat()


def new_token() -> str:
    """A valid form token, as the form page would have issued (fill time 0 here)."""
    return FormTokens(SECRET, system_clock, 0).issue()


def token_id(token: str) -> str:
    return token.split(".", 1)[0]


def lead_form(token: str, preferred_date: str) -> dict[str, str]:
    return BODY | {"preferred_date": preferred_date, "token": token}
