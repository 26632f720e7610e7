"""`make bench`: leadform against its floors and its peer, side by side in one run.

Every server listens on 127.0.0.1 only, every load run is bounded in time (and
POST runs in tokens), and everything is stopped before the script ends. Results go
to var/bench/results.json and replace the generated section of docs/benchmarks.md.

    python -m bench.run [--seconds 10] [--only NAME ...] [--no-doc]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from leadform.dates import system_clock
from leadform.tokens import FormTokens

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PEER_VENV = WORK / "peer-venv"
SECRET = "bench-secret-key-" + "b" * 40
CONNECTIONS = 50
THREADS = 2
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"


@dataclass
class Run:
    name: str
    server: str
    load: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    statuses: dict[str, int]
    socket_errors: int
    repeated: int = 0
    rows_stored: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Server:
    command: list[str]
    env: dict[str, str]
    port: int
    process: subprocess.Popen[bytes]
    database: Path | None

    def shown(self) -> str:
        shown_env = " ".join(
            f"{k}={shlex.quote(v.replace(str(ROOT) + '/', ''))}"
            for k, v in sorted(self.env.items())
        )
        command = " ".join(shlex.quote(c.replace(str(ROOT) + "/", "")) for c in self.command)
        return f"{shown_env} {command}".strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, path: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} not ready after 30 s")


@contextmanager
def serve(kind: str, name: str, workers: int = 1) -> Iterator[Server]:
    port = free_port()
    database = WORK / f"{name}.db"
    for leftover in WORK.glob(f"{name}.db*"):
        leftover.unlink()
    env: dict[str, str] = {}
    if kind == "peer":
        env = {
            "PEER_DATABASE": str(database),
            "PEER_TRANSLATIONS": str(WORK / "peer" / "translations"),
            "PEER_SECRET_KEY": SECRET,
        }
        command = [
            str(PEER_VENV / "bin" / "gunicorn"),
            f"--workers={workers}",
            "--worker-class=sync",
            f"--bind=127.0.0.1:{port}",
            f"--chdir={ROOT / 'bench' / 'peers' / 'flask_form'}",
            "app:app",
        ]
    else:
        env = {
            "LEADFORM_DATABASE": str(database),
            "LEADFORM_SECRET_KEY": SECRET,
            "LEADFORM_MIN_FILL_SECONDS": "0",  # bench tokens are posted at once
            "LEADFORM_RATE_LIMIT": "0",  # one client address sends everything
            "LEADFORM_LOCALES_DIR": str(ROOT / "locales"),
        }
        targets = {"bare": "bench.bare_app:app", "dropping": "bench.dropping_app:create_app"}
        if kind == "leadform":
            command = [str(ROOT / ".venv" / "bin" / "leadform"), "serve"]
            command += [f"--port={port}", f"--workers={workers}"]
        else:
            command = [PYTHON, "-m", "bench.serve", targets[kind], str(port), str(workers)]
    log = (WORK / f"{name}.log").open("wb")
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_ready(port, "/en/register", process)
        yield Server(command, env, port, process, database if kind != "bare" else None)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def wrk(url: str, seconds: float, *script_args: str) -> tuple[dict[str, Any], str]:
    command = [
        "wrk",
        f"--threads={THREADS}",
        f"--connections={CONNECTIONS}",
        f"--duration={int(seconds)}s",
        "--timeout=10s",
        f"--script={ROOT / 'bench' / 'wrk' / 'count.lua'}",
        url,
        "--",
        *script_args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(x for x in result.stdout.splitlines() if x.startswith("WRK_JSON "))
    shown = [c.replace(str(ROOT) + "/", "") for c in command]
    if script_args[:1] == ("post",):
        shown[shown.index("post") + 1] = "BODY"  # the form body: see "What is sent" above
    if len(script_args) > 4:
        shown[-1] = "COOKIE"  # the Flask peer's session cookie, fetched with its CSRF token
    return json.loads(line.removeprefix("WRK_JSON ")), " ".join(shlex.quote(c) for c in shown)


def to_run(name: str, server: Server, load: str, data: dict[str, Any]) -> Run:
    seconds = data["duration_us"] / 1e6
    errors = data["errors"]
    return Run(
        name=name,
        server=server.shown(),
        load=load,
        requests_per_s=round(data["requests"] / seconds, 1),
        p50_ms=data["latency_us"]["p50"] / 1000,
        p99_ms=data["latency_us"]["p99"] / 1000,
        statuses=data["statuses"],
        socket_errors=errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        repeated=data["repeated"],
    )


def warm_up(server: Server, path: str) -> None:
    wrk(f"http://127.0.0.1:{server.port}{path}", 1, "get")


def get_run(name: str, server: Server, path: str, seconds: float) -> Run:
    warm_up(server, path)
    data, load = wrk(f"http://127.0.0.1:{server.port}{path}", seconds, "get")
    return to_run(name, server, load, data)


def lead_body(treatment: str = "acne") -> str:
    day = datetime.now(ZoneInfo("Asia/Hong_Kong")).date() + timedelta(days=7)
    fields = {
        "name": "陳大文",
        "phone": "9123 4567",
        "email": "chan@example.com",
        "treatment": treatment,
        "preferred_date": day.isoformat(),
        "consent_terms": "yes",
    }
    return urlencode(fields)


def write_tokens(count: int, path: Path) -> Path:
    tokens = FormTokens(SECRET, system_clock, 0)
    path.write_text("".join(tokens.issue() + "\n" for _ in range(count)), encoding="ascii")
    return path


def count_rows(database: Path | None, table: str = "leads") -> int | None:
    if database is None or not database.exists():
        return None
    with sqlite3.connect(database) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def post_run(name: str, server: Server, seconds: float, tokens: int) -> Run:
    warm_up(server, "/en/register")
    token_file = write_tokens(
        tokens, WORK / f"{server.database.stem if server.database else 'x'}.tokens"
    )
    url = f"http://127.0.0.1:{server.port}/en/register"
    data, load = wrk(url, seconds, "post", lead_body() + "&token=", str(token_file), str(THREADS))
    run = to_run(name, server, load, data)
    run.rows_stored = count_rows(server.database)
    return run


def peer_post_run(name: str, server: Server, seconds: float) -> Run:
    warm_up(server, "/en/register")
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"http://127.0.0.1:{server.port}/en/register") as response:
        page = response.read().decode()
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if match is None:
        raise SystemExit("the peer's form has no CSRF token")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    body = lead_body() + "&csrf_token=" + match.group(1)
    url = f"http://127.0.0.1:{server.port}/en/register"
    data, load = wrk(url, seconds, "post", body, "-", str(THREADS), cookie)
    run = to_run(name, server, load, data)
    run.rows_stored = count_rows(server.database)
    return run


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


def memory_runs(seconds_cap: float) -> list[Run]:
    """RSS idle, then after 50,000 and 100,000 submissions (one worker)."""
    runs = []
    with serve("leadform", "memory") as server:
        time.sleep(1)
        idle = rss_kib(server.process.pid)
        for step in (1, 2):
            name = f"memory: submissions {50_000 * (step - 1) + 1}-{50_000 * step}"
            token_file = write_tokens(50_000, WORK / "memory.tokens")
            url = f"http://127.0.0.1:{server.port}/en/register"
            args = ("post", lead_body() + "&token=", str(token_file), str(THREADS))
            data, load = wrk(url, seconds_cap, *args)
            run = to_run(name, server, load, data)
            run.rows_stored = count_rows(server.database)
            run.extra = {"rss_idle_kib": idle, "rss_after_kib": rss_kib(server.process.pid)}
            runs.append(run)
    return runs


def scenarios(seconds: float) -> Iterator[Run]:
    with serve("bare", "bare") as server:
        yield get_run("bare Starlette page (floor), before", server, "/en/register", seconds)
    with serve("leadform", "leadform-get") as server:
        yield get_run("leadform GET /en/register", server, "/en/register", seconds)
        yield get_run("leadform GET /zh-hant-hk/register", server, "/zh-hant-hk/register", seconds)
    with serve("bare", "bare") as server:
        yield get_run("bare Starlette page (floor), after", server, "/en/register", seconds)
    with serve("peer", "flask-peer", workers=2) as server:
        yield get_run("Flask peer GET /en/register", server, "/en/register", seconds)
        yield peer_post_run("Flask peer POST (durable)", server, seconds)
    tokens = int(seconds * 25_000)  # more than any run here can use
    with serve("leadform", "leadform-post") as server:
        yield post_run("leadform POST (durable)", server, seconds, tokens)
    with serve("dropping", "leadform-dropped") as server:
        yield post_run("leadform POST parsed and dropped (ceiling)", server, seconds, tokens)
    with serve("leadform", "leadform-2w-get", workers=2) as server:
        yield get_run("leadform 2 workers GET /en/register", server, "/en/register", seconds)
    with serve("leadform", "leadform-2w-post", workers=2) as server:
        yield post_run("leadform 2 workers POST (durable)", server, seconds, tokens)
    yield from memory_runs(max(60.0, seconds * 4))


def by_name(runs: list[Run]) -> dict[str, Run]:
    return {run.name: run for run in runs}


def ratios(runs: list[Run]) -> list[tuple[str, str, str, str]]:
    """(comparison, measured, goal, met) for the goals in issue 7."""
    r = by_name(runs)

    def rps(name: str) -> float | None:
        return r[name].requests_per_s if name in r else None

    floors = [
        x
        for x in (
            rps("bare Starlette page (floor), before"),
            rps("bare Starlette page (floor), after"),
        )
        if x
    ]
    floor = sum(floors) / len(floors) if floors else None
    rows: list[tuple[str, str, str, str]] = []

    def add(label: str, num: float | None, den: float | None, goal: float) -> None:
        if num is None or den is None or den == 0:
            return
        value = num / den
        rows.append((label, f"{value:.2f}", f">= {goal:g}", "yes" if value >= goal else "no"))

    add(
        "GET en / bare floor (mean of before and after)",
        rps("leadform GET /en/register"),
        floor,
        0.8,
    )
    add("GET zh-Hant-HK / bare floor", rps("leadform GET /zh-hant-hk/register"), floor, 0.8)
    add(
        "GET en / Flask peer GET",
        rps("leadform GET /en/register"),
        rps("Flask peer GET /en/register"),
        10,
    )
    add(
        "POST durable / Flask peer POST durable",
        rps("leadform POST (durable)"),
        rps("Flask peer POST (durable)"),
        5,
    )
    add(
        "POST durable / POST parsed and dropped",
        rps("leadform POST (durable)"),
        rps("leadform POST parsed and dropped (ceiling)"),
        0.5,
    )
    add(
        "2 workers / 1 worker, GET",
        rps("leadform 2 workers GET /en/register"),
        rps("leadform GET /en/register"),
        0,
    )
    add(
        "2 workers / 1 worker, POST durable",
        rps("leadform 2 workers POST (durable)"),
        rps("leadform POST (durable)"),
        0,
    )
    durable = r.get("leadform POST (durable)")
    if durable:
        ok = durable.p99_ms < 20
        rows.append(
            (
                "POST durable p99 at 50 connections",
                f"{durable.p99_ms:.1f} ms",
                "< 20 ms",
                "yes" if ok else "no",
            )
        )
    return rows


def answers(run: Run) -> str:
    shown = ", ".join(f"{k}: {v}" for k, v in sorted(run.statuses.items()))
    if run.socket_errors:
        shown += f", socket errors: {run.socket_errors}"
    return shown


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split(":", 1)[1].strip()
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    wrk_name = version.splitlines()[0].split(" Copyright")[0] if version else "wrk"
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory} memory, Linux {platform.release()}, "
        f"Python {platform.python_version()}, {wrk_name}"
    )


def render(runs: list[Run], started: datetime, load_before: str, load_after: str) -> str:
    lines = [
        START,
        "",
        f"Generated by `make bench` on {started:%Y-%m-%d %H:%M} UTC. Machine: {machine()}.",
        f"Load average before / after the run: {load_before} / {load_after} (other work on the",
        "machine shows up here; the ratios are measured side by side within this run).",
        "",
        "| goal | measured | target | met |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in ratios(runs)]
    lines += [
        "",
        f"wrk with {THREADS} threads and {CONNECTIONS} connections against 127.0.0.1:",
        "",
        "| run | req/s | p50 ms | p99 ms | answers | leads stored |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        stored = "" if run.rows_stored is None else str(run.rows_stored)
        lines.append(
            f"| {run.name} | {run.requests_per_s:,.0f} | {run.p50_ms:.1f} | {run.p99_ms:.1f} "
            f"| {answers(run)} | {stored} |"
        )
    memory = [run for run in runs if run.extra]
    if memory:
        idle = memory[0].extra["rss_idle_kib"]
        after = " → ".join(f"{run.extra['rss_after_kib'] / 1024:.1f} MiB" for run in memory)
        total = memory[-1].rows_stored
        lines += [
            "",
            f"Resident memory (one worker): idle {idle / 1024:.1f} MiB → after each 50,000 "
            f"submissions {after} ({total} leads stored).",
        ]
    lines += ["", "Commands (servers, then the load):", "", "```sh"]
    seen: set[str] = set()
    for run in runs:
        for command in (run.server, run.load):
            if command not in seen:
                seen.add(command)
                lines.append(command)
    lines += ["```", "", END]
    return "\n".join(lines)


def update_doc(section: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    runs = []
    for run in scenarios(args.seconds):
        print(
            f"{run.name}: {run.requests_per_s:,.0f} req/s, p99 {run.p99_ms:.1f} ms, {answers(run)}",
            flush=True,
        )
        runs.append(run)
    load_after = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    (WORK / "results.json").write_text(
        json.dumps([asdict(r) for r in runs], indent=2, ensure_ascii=False)
    )
    section = render(runs, started, load_before, load_after)
    if not args.no_doc:
        update_doc(section)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
