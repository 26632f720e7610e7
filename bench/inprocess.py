"""CPU time of one GET of the form, and of one durable POST of a lead, inside the
process: the ASGI app called directly, no server, no network, no log output. Less
sensitive to other work on the machine than wrk's req/s, since it counts this
process's CPU time (all its threads: the database's too), not wall time.

POSTs go 50 at a time (as 50 connections would send them), so the writer commits
them in groups as it does under load; each carries a fresh, valid form token.

    python -m bench.inprocess
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp

import leadform.web.page_cache
from bench.bare_app import app as bare_app
from bench.lead import lead_body
from leadform.application import create_app
from leadform.config import Settings, load_settings
from leadform.views.context import AppContext

ROOT = Path(__file__).resolve().parent.parent
CALLS = 3000
POSTS = 2000
CONCURRENT_POSTS = 50
LEAD = lead_body()


def scope(
    path: str,
    state: dict[str, Any],
    gzip: bool = False,
    method: str = "GET",
    content_type: bytes = b"",
    body: bytes = b"",
) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1")]
    if gzip:
        headers.append((b"accept-encoding", b"gzip, deflate, br"))
    if content_type:
        headers.append((b"content-type", content_type))
        headers.append((b"content-length", str(len(body)).encode()))
    return {
        "type": "http",
        "method": method,
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


def bench_settings(folder: str) -> Settings:
    return load_settings(
        {
            "LEADFORM_DATABASE": os.path.join(folder, "leads.db"),
            "LEADFORM_SECRET_KEY": "bench-" + "k" * 40,
            "LEADFORM_LOCALES_DIR": str(ROOT / "locales"),
            "LEADFORM_MIN_FILL_SECONDS": "0",
            "LEADFORM_RATE_LIMIT": "0",
        }
    )


async def leadform_cpu(path: str, cache_size: int, gzip: bool = False) -> float:
    with tempfile.TemporaryDirectory() as folder:
        settings = bench_settings(folder)
        default = leadform.web.page_cache.PageCache.__init__.__defaults__
        leadform.web.page_cache.PageCache.__init__.__defaults__ = (cache_size,)
        try:
            async with LifespanManager(create_app(settings)) as manager:
                return await cpu_per_call(manager.app, path, manager._state, gzip)
        finally:
            leadform.web.page_cache.PageCache.__init__.__defaults__ = default


def form_body(token: str) -> bytes:
    return f"{LEAD}&token={token}".encode()


def api_body(token: str) -> bytes:
    fields = dict(pair.split("=", 1) for pair in LEAD.split("&"))
    fields |= {"name": "Chan Tai Man", "phone": "9123 4567", "email": "chan@example.com"}
    return json.dumps(fields | {"token": token}).encode()


async def post_cpu(path: str, content_type: bytes, body_of: Any, expected: int) -> float:
    """CPU µs per durable POST, CONCURRENT_POSTS at a time; fresh tokens each."""
    with tempfile.TemporaryDirectory() as folder:
        async with LifespanManager(create_app(bench_settings(folder))) as manager:
            app, state = manager.app, manager._state
            ctx: AppContext = state["ctx"]
            statuses: list[int] = []

            async def post() -> None:
                body = body_of(ctx.tokens.issue())

                async def receive() -> dict[str, Any]:
                    return {"type": "http.request", "body": body, "more_body": False}

                async def send(message: Any) -> None:
                    if message["type"] == "http.response.start":
                        statuses.append(message["status"])

                await app(
                    scope(path, state, method="POST", content_type=content_type, body=body),
                    receive,
                    send,
                )

            async def round_of(count: int) -> None:
                for _ in range(count // CONCURRENT_POSTS):
                    await asyncio.gather(*(post() for _ in range(CONCURRENT_POSTS)))

            await round_of(100)  # warm up
            started = time.process_time()
            await round_of(POSTS)
            spent = time.process_time() - started
            if set(statuses) != {expected}:
                raise RuntimeError(f"unexpected answers: {sorted(set(statuses))}")
            return spent / POSTS * 1e6


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
            (
                "leadform POST /en/register (durable, 303)",
                await post_cpu(
                    "/en/register", b"application/x-www-form-urlencoded", form_body, 303
                ),
            ),
            (
                "leadform POST /api/leads (JSON, durable, 201)",
                await post_cpu("/api/leads", b"application/json", api_body, 201),
            ),
        ):
            found.setdefault(name, []).append(micros)
    return {name: min(values) for name, values in found.items()}


def main() -> None:
    for name, micros in asyncio.run(measure()).items():
        print(f"{name}: {micros:.0f} µs CPU per request")


if __name__ == "__main__":
    main()
