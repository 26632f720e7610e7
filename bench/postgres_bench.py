"""PostgreSQL against SQLite, one instance against two, and the CSV export against psql.

    python -m bench.postgres_bench [--seconds 10] [--rounds 3] [--leads 1000000]

Needs the PostgreSQL server of LEADFORM_TEST_POSTGRES (default
postgresql://root@127.0.0.1:5432/postgres); creates and drops its own databases.
Prints one JSON document; docs/benchmarks.md quotes it with the command that made it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg

import bench.run as harness
from tests.servers import free_port, spawn, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
ADMIN = os.environ.get("LEADFORM_TEST_POSTGRES") or "postgresql://root@127.0.0.1:5432/postgres"


def admin(sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(ADMIN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"leadform_bench_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE DATABASE "{name}"')
    try:
        yield urlsplit(ADMIN)._replace(path=f"/{name}").geturl()
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def instance(name: str, database: str) -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "LEADFORM_DATABASE": database,
        "LEADFORM_SECRET_KEY": harness.SECRET,
        "LEADFORM_MIN_FILL_SECONDS": "0",
        "LEADFORM_RATE_LIMIT": "0",
        "LEADFORM_LOCALES_DIR": str(ROOT / "locales"),
    }
    log = WORK / f"{name}.log"
    log.unlink(missing_ok=True)
    command = [str(ROOT / ".venv" / "bin" / "leadform"), "serve", f"--port={port}"]
    process = spawn(command, env, log)
    try:
        wait_ready(f"http://127.0.0.1:{port}/en/register", process, log)
        yield port
    finally:
        stop(process)


def post_round(ports: list[int], seconds: float) -> dict[str, float]:
    """50 connections in all, shared evenly by the instances (one wrk each, at once)."""
    harness.CONNECTIONS = 50 // len(ports)
    body = harness.lead_body() + "&token="

    def one(i_port: tuple[int, int]) -> dict[str, Any]:
        i, port = i_port
        tokens = harness.write_tokens(int(seconds * 8_000), WORK / f"pg-{i}.tokens")
        data, _ = harness.wrk(
            f"http://127.0.0.1:{port}/en/register", seconds, "post", body, str(tokens), "2"
        )
        return data

    with ThreadPoolExecutor(len(ports)) as pool:
        results = list(pool.map(one, enumerate(ports)))
    harness.CONNECTIONS = 50
    return {
        "rps": sum(r["requests"] / (r["duration_us"] / 1e6) for r in results),
        "p99": max(r["latency_us"]["p99"] for r in results) / 1000,
        "p50": max(r["latency_us"]["p50"] for r in results) / 1000,
        "non_303": sum(n for r in results for s, n in r["statuses"].items() if s != "303"),
        "socket_errors": sum(
            r["errors"][k] for r in results for k in ("connect", "read", "timeout")
        ),
    }


def get_round(port: int, seconds: float) -> dict[str, float]:
    data, _ = harness.wrk(f"http://127.0.0.1:{port}/en/register", seconds, "get")
    return {
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "p99": data["latency_us"]["p99"] / 1000,
        "p50": data["latency_us"]["p50"] / 1000,
    }


def best(rounds: list[dict[str, float]]) -> dict[str, float]:
    top = max(rounds, key=lambda r: r["rps"])
    return {**top, "median_rps": statistics.median(r["rps"] for r in rounds)}


def web(seconds: float, rounds: int) -> dict[str, Any]:
    results: dict[str, list[dict[str, float]]] = {}
    sqlite_file = WORK / "pg-bench-sqlite.db"
    for leftover in WORK.glob("pg-bench-sqlite.db*"):
        leftover.unlink()
    with ExitStack() as stack:
        pg = stack.enter_context(postgres_database())
        lite = stack.enter_context(instance("pg-bench-sqlite", str(sqlite_file)))
        one = stack.enter_context(instance("pg-bench-pg-1", pg))
        two = stack.enter_context(instance("pg-bench-pg-2", pg))
        for port in (lite, one, two):
            harness.wrk(f"http://127.0.0.1:{port}/en/register", 1, "get")
        for number in range(rounds):
            for name, run in (
                ("sqlite POST, 1 instance", lambda: post_round([lite], seconds)),
                ("postgresql POST, 1 instance", lambda: post_round([one], seconds)),
                ("postgresql POST, 2 instances", lambda: post_round([one, two], seconds)),
                ("sqlite GET, 1 instance", lambda: get_round(lite, seconds)),
                ("postgresql GET, 1 instance", lambda: get_round(one, seconds)),
            ):
                results.setdefault(name, []).append(run())
                print(f"round {number + 1} {name}: {results[name][-1]}", flush=True)
    return {name: best(found) for name, found in results.items()}


def export(leads: int) -> dict[str, Any]:
    with postgres_database() as url:
        # the schema as leadform makes it, then rows made by the server itself
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "leadform"), "notifications", "status"],
            env={**os.environ, "LEADFORM_DATABASE": url, "LEADFORM_SECRET_KEY": "b" * 40},
            check=True,
            capture_output=True,
        )
        fill = f"""
        INSERT INTO consent_wordings VALUES ('h', 'en', 'I agree', '2026-11-26T02:00:00.000000Z');
        INSERT INTO leads (reference, token_id, created_at, locale, name, phone, email,
            treatment, preferred_date, consent_terms_at, consent_marketing,
            consent_wording_hash, ip, user_agent, utm_source, page_url)
        SELECT 'R' || lpad(g::text, 9, '0'), 't' || g, '2026-11-26T02:00:00.000000Z', 'zh-Hant-HK',
            '陳大文 ' || g, '+85291234567', 'lead' || g || '@example.com', 'milia',
            '2026-12-01', '2026-11-26T02:00:00.000000Z', g % 2, 'h', '203.0.113.9',
            'Mozilla/5.0', 'facebook', 'https://clinic.example/milia'
        FROM generate_series(1, {int(leads)}) AS g;
        """

        async def run_fill() -> None:
            conn = await asyncpg.connect(url)
            try:
                await conn.execute(fill)
                await conn.execute("VACUUM ANALYZE leads")
            finally:
                await conn.close()

        asyncio.run(run_fill())
        env = {**os.environ, "LEADFORM_DATABASE": url, "LEADFORM_SECRET_KEY": "b" * 40}
        started = time.perf_counter()
        ours = subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "leadform"),
                "export",
                "--format",
                "csv",
                "-o",
                os.devnull,
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        leadform_s = time.perf_counter() - started
        columns = (
            "reference, created_at, locale, name, phone, email, treatment, preferred_date, "
            "CASE consent_marketing WHEN 0 THEN 'no' ELSE 'yes' END, utm_source, utm_medium, "
            "utm_campaign, utm_term, utm_content, gclid, fbclid, page_url, referrer"
        )
        copy = f"\\copy (SELECT {columns} FROM leads ORDER BY id) TO STDOUT CSV HEADER"
        started = time.perf_counter()
        subprocess.run(["psql", url, "-c", copy], check=True, stdout=subprocess.DEVNULL)
        psql_s = time.perf_counter() - started
    return {
        "leads": leads,
        "leadform_s": round(leadform_s, 2),
        "leadform_rows_per_s": round(leads / leadform_s),
        "psql_s": round(psql_s, 2),
        "psql_rows_per_s": round(leads / psql_s),
        "ratio": round(psql_s / leadform_s, 3),
        "leadform_said": ours.stderr.strip().splitlines()[-1],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--only", choices=("web", "export"))
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    found: dict[str, Any] = {"load_average_before": [round(x, 2) for x in load]}
    if args.only in (None, "web"):
        found["web"] = web(args.seconds, args.rounds)
        post = found["web"]
        found["two_over_one"] = round(
            post["postgresql POST, 2 instances"]["rps"]
            / post["postgresql POST, 1 instance"]["rps"],
            2,
        )
    if args.only in (None, "export"):
        found["export"] = export(args.leads)
    found["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    json.dump(found, sys.stdout, indent=2, ensure_ascii=False)
    print()
    (WORK / "postgres.json").write_text(json.dumps(found, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
