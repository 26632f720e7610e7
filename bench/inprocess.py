"""CPU time of one GET of the form inside the process: the ASGI app called directly,
no server, no network, no log output. Less sensitive to other work on the machine
than wrk's req/s, since it counts this process's CPU time, not wall time.

    python -m bench.inprocess
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp

import leadform.web.page_cache
from bench.bare_app import app as bare_app
from leadform.application import create_app
from leadform.config import load_settings

ROOT = Path(__file__).resolve().parent.parent
CALLS = 3000


def scope(path: str, state: dict[str, Any], gzip: bool = False) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1")]
    if gzip:
        headers.append((b"accept-encoding", b"gzip, deflate, br"))
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "scheme": "http",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1),
        "root_path": "",
        "http_version": "1.1",
        "state": dict(state),
    }


async def cpu_per_call(app: ASGIApp, path: str, state: dict[str, Any], gzip: bool = False) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        return None

    for _ in range(100):  # warm up
        await app(scope(path, state, gzip), receive, send)
    started = time.process_time()
    for _ in range(CALLS):
        await app(scope(path, state, gzip), receive, send)
    return (time.process_time() - started) / CALLS * 1e6


async def leadform_cpu(path: str, cache_size: int, gzip: bool = False) -> float:
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            {
                "LEADFORM_DATABASE": os.path.join(folder, "leads.db"),
                "LEADFORM_SECRET_KEY": "bench-" + "k" * 40,
                "LEADFORM_LOCALES_DIR": str(ROOT / "locales"),
            }
        )
        default = leadform.web.page_cache.PageCache.__init__.__defaults__
        leadform.web.page_cache.PageCache.__init__.__defaults__ = (cache_size,)
        try:
            async with LifespanManager(create_app(settings)) as manager:
                return await cpu_per_call(manager.app, path, manager._state, gzip)
        finally:
            leadform.web.page_cache.PageCache.__init__.__defaults__ = default


async def measure(repeat: int = 3) -> dict[str, float]:
    """µs of CPU per request, the least of `repeat` tries of each."""
    found: dict[str, list[float]] = {}
    for _ in range(repeat):
        for name, micros in (
            ("bare Starlette page", await cpu_per_call(bare_app, "/en/register", {})),
            ("leadform GET /en/register, page cache", await leadform_cpu("/en/register", 128)),
            ("leadform GET /en/register, no page cache", await leadform_cpu("/en/register", 0)),
            (
                "leadform GET /en/register, page cache, gzip",
                await leadform_cpu("/en/register", 128, gzip=True),
            ),
            (
                "leadform GET /en/register, no page cache, gzip",
                await leadform_cpu("/en/register", 0, gzip=True),
            ),
        ):
            found.setdefault(name, []).append(micros)
    return {name: min(values) for name, values in found.items()}


def main() -> None:
    for name, micros in asyncio.run(measure()).items():
        print(f"{name}: {micros:.0f} µs CPU per request")


if __name__ == "__main__":
    main()
