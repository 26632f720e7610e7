"""`make bench`: leadform against its floors and its peer, side by side in one run.

Every server listens on 127.0.0.1 only, every load run is bounded in time (and
POST runs in tokens), and everything is stopped before the script ends. Results go
to var/bench/results.json and replace the generated section of docs/benchmarks.md.

    python -m bench.run [--seconds 10] [--only NAME ...] [--no-doc]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shlex
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from bench import export_bench, inprocess, metrics_overhead
from bench.lead import SECRET, lead_body
from leadform.clock import system_clock
from leadform.registration.form_tokens import FormTokens
from tests.servers import free_port, spawn, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PEER_VENV = WORK / "peer-venv"
CONNECTIONS = 50
THREADS = 2
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"


@dataclass
class Run:
    """One target measured over several rounds, interleaved with the others."""

    name: str
    server: str
    load: str
    rounds: list[dict[str, float]] = field(default_factory=list)  # req/s, p50, p99 (ms)
    statuses: dict[str, int] = field(default_factory=dict)
    socket_errors: int = 0
    repeated: int = 0
    rows_stored: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def requests_per_s(self) -> float:
        """The best round: other work on the machine only ever slows a round down."""
        return max(r["rps"] for r in self.rounds)

    @property
    def median_rps(self) -> float:
        return statistics.median(r["rps"] for r in self.rounds)

    @property
    def p50_ms(self) -> float:
        return statistics.median(r["p50"] for r in self.rounds)

    @property
    def p99_ms(self) -> float:
        return statistics.median(r["p99"] for r in self.rounds)

    def add(self, data: dict[str, Any]) -> None:
        seconds = data["duration_us"] / 1e6
        errors = data["errors"]
        statuses = data["statuses"]
        if not statuses:  # GET runs: wrk's own count (a status >= 400 is an error)
            ok = data["requests"] - errors["status"]
            statuses = {k: v for k, v in (("2xx/3xx", ok), ("4xx/5xx", errors["status"])) if v}
        for key, value in statuses.items():
            self.statuses[key] = self.statuses.get(key, 0) + value
        self.socket_errors += sum(errors[k] for k in ("connect", "read", "write", "timeout"))
        self.repeated += data["repeated"]
        latency = data["latency_us"]
        self.rounds.append(
            {
                "rps": round(data["requests"] / seconds, 1),
                "p50": latency["p50"] / 1000,
                "p99": latency["p99"] / 1000,
            }
        )


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
    log = WORK / f"{name}.log"
    log.unlink(missing_ok=True)
    process = spawn(command, {**os.environ, **env}, log)
    try:
        wait_ready(f"http://127.0.0.1:{port}/en/register", process, log)
        yield Server(command, env, port, process, database if kind != "bare" else None)
    finally:
        stop(process)


def wrk(
    url: str, seconds: float, *script_args: str, header: str = ""
) -> tuple[dict[str, Any], str]:
    command = [
        "wrk",
        *([f"--header={header}"] if header else []),
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


def warm_up(server: Server, path: str) -> None:
    wrk(f"http://127.0.0.1:{server.port}{path}", 1, "get")


def write_tokens(count: int, path: Path) -> Path:
    tokens = FormTokens(SECRET, system_clock, 0)
    path.write_text("".join(tokens.issue() + "\n" for _ in range(count)), encoding="ascii")
    return path


def count_rows(database: Path | None, table: str = "leads") -> int | None:
    if database is None or not database.exists():
        return None
    with sqlite3.connect(database) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@dataclass
class Target:
    run: Run
    server: Server
    path: str
    method: str  # "get", "post" (fresh tokens) or "peer-post" (the peer's CSRF token)
    header: str = ""
    cookie: str = ""
    csrf: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}{self.path}"


def peer_csrf(server: Server) -> tuple[str, str]:
    """A session cookie and its CSRF token from the peer's form, as a browser has."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"http://127.0.0.1:{server.port}/en/register") as response:
        page = response.read().decode()
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if match is None:
        raise SystemExit("the peer's form has no CSRF token")
    return "; ".join(f"{c.name}={c.value}" for c in jar), match.group(1)


def target(name: str, server: Server, path: str, method: str = "get", header: str = "") -> Target:
    found = Target(Run(name, server.shown(), ""), server, path, method, header)
    if method == "peer-post":
        found.cookie, found.csrf = peer_csrf(server)
    return found


def measure(found: Target, seconds: float) -> None:
    if found.method == "get":
        data, load = wrk(found.url, seconds, "get", header=found.header)
    elif found.method == "post":
        tokens = write_tokens(int(seconds * 25_000), WORK / "round.tokens")  # more than used
        body = lead_body() + "&token="
        data, load = wrk(found.url, seconds, "post", body, str(tokens), str(THREADS))
    else:
        body = lead_body() + "&csrf_token=" + found.csrf
        data, load = wrk(found.url, seconds, "post", body, "-", str(THREADS), found.cookie)
    found.run.load = load
    found.run.add(data)
    if found.method != "get":
        found.run.rows_stored = count_rows(found.server.database)


def interleaved(targets: list[Target], seconds: float, rounds: int) -> list[Run]:
    """Each target in turn, `rounds` times, so all of them meet the same noise."""
    for found in targets:
        warm_up(found.server, found.path)
    for number in range(rounds):
        for found in targets:
            measure(found, seconds)
            last = found.run.rounds[-1]
            print(f"  round {number + 1} {found.run.name}: {last['rps']:,.0f} req/s", flush=True)
    return [found.run for found in targets]


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
            name = f"memory: submissions {50_000 * (step - 1) + 1:,}-{50_000 * step:,}"
            token_file = write_tokens(50_000, WORK / "memory.tokens")
            url = f"http://127.0.0.1:{server.port}/en/register"
            args = ("post", lead_body() + "&token=", str(token_file), str(THREADS))
            data, load = wrk(url, seconds_cap, *args)
            run = Run(name, server.shown(), load)
            run.add(data)
            run.rows_stored = count_rows(server.database)
            run.extra = {"rss_idle_kib": idle, "rss_after_kib": rss_kib(server.process.pid)}
            runs.append(run)
    return runs


def scenarios(seconds: float, rounds: int) -> Iterator[Run]:
    with ExitStack() as stack:
        bare = stack.enter_context(serve("bare", "bare"))
        one = stack.enter_context(serve("leadform", "leadform-get"))
        two = stack.enter_context(serve("leadform", "leadform-2w-get", workers=2))
        peer = stack.enter_context(serve("peer", "flask-peer-get", workers=2))
        yield from interleaved(
            [
                target("bare Starlette page (floor)", bare, "/en/register"),
                target("leadform GET /en/register", one, "/en/register"),
                target("leadform GET /zh-hant-hk/register", one, "/zh-hant-hk/register"),
                target(
                    "leadform GET /en/register, gzip (as browsers ask)",
                    one,
                    "/en/register",
                    header="Accept-Encoding: gzip, deflate, br",
                ),
                target("leadform 2 workers GET /en/register", two, "/en/register"),
                target("Flask peer GET /en/register", peer, "/en/register"),
            ],
            seconds,
            rounds,
        )
    with ExitStack() as stack:
        durable = stack.enter_context(serve("leadform", "leadform-post"))
        dropped = stack.enter_context(serve("dropping", "leadform-dropped"))
        two = stack.enter_context(serve("leadform", "leadform-2w-post", workers=2))
        peer = stack.enter_context(serve("peer", "flask-peer-post", workers=2))
        posts = interleaved(
            [
                target("leadform POST (durable)", durable, "/en/register", "post"),
                target(
                    "leadform POST parsed and dropped (ceiling)", dropped, "/en/register", "post"
                ),
                target("leadform 2 workers POST (durable)", two, "/en/register", "post"),
                target("Flask peer POST (durable)", peer, "/en/register", "peer-post"),
            ],
            seconds,
            rounds,
        )
    yield from posts
    # Long enough for 50,000 submissions at the rate just measured, with room to spare.
    rate = max(by_name(posts)["leadform POST (durable)"].median_rps, 200.0)
    yield from memory_runs(min(120.0, max(15.0, 50_000 / rate * 1.5)))


def by_name(runs: list[Run]) -> dict[str, Run]:
    return {run.name: run for run in runs}


def ratios(runs: list[Run]) -> list[tuple[str, str, str, str]]:
    """(comparison, measured, goal, met) for the goals in issue 7."""
    r = by_name(runs)

    def rps(name: str) -> float | None:
        return r[name].requests_per_s if name in r else None

    floor = rps("bare Starlette page (floor)")
    rows: list[tuple[str, str, str, str]] = []

    def add(label: str, num: float | None, den: float | None, goal: float | None) -> None:
        if num is None or den is None or den == 0:
            return
        value = num / den
        if goal is None:  # measured for the docs, no goal
            rows.append((label, f"{value:.2f}", "(none)", ""))
            return
        rows.append((label, f"{value:.2f}", f">= {goal:g}", "yes" if value >= goal else "no"))

    add(
        "GET en / bare floor",
        rps("leadform GET /en/register"),
        floor,
        0.8,
    )
    add("GET zh-Hant-HK / bare floor", rps("leadform GET /zh-hant-hk/register"), floor, 0.8)
    add(
        "GET en with gzip (as browsers ask) / bare floor",
        rps("leadform GET /en/register, gzip (as browsers ask)"),
        floor,
        0.8,
    )
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
        None,
    )
    add(
        "2 workers / 1 worker, POST durable",
        rps("leadform 2 workers POST (durable)"),
        rps("leadform POST (durable)"),
        1,
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
    two = r.get("leadform 2 workers POST (durable)")
    if durable and two and durable.p99_ms:
        tail = two.p99_ms / durable.p99_ms
        rows.append(
            (
                "POST durable p99, 2 workers / 1 worker",
                f"{tail:.2f} ({two.p99_ms:.1f} / {durable.p99_ms:.1f} ms)",
                "<= 1",
                "yes" if tail <= 1 else "no",
            )
        )
    return rows


def export_ratio(export: dict[str, float]) -> tuple[str, str, str, str]:
    value = export["rows_per_s"] / export["sqlite3_csv_rows_per_s"]
    return (
        "CSV export over HTTP / `sqlite3 -csv` on the same table",
        f"{value:.2f}",
        ">= 0.6",
        "yes" if value >= 0.6 else "no",
    )


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


def render(
    runs: list[Run],
    export: dict[str, float] | None,
    cpu: dict[str, float],
    started: datetime,
    load_before: str,
    load_after: str,
    rounds: int,
    metrics_cpu: dict[str, dict[str, float]] | None = None,
) -> str:
    lines = [
        START,
        "",
        f"Generated by `make bench` on {started:%Y-%m-%d %H:%M} UTC. Machine: {machine()}.",
        f"Load average before / after the run: {load_before} / {load_after} (other work on the",
        "machine shows up here). Targets of a group are measured in turn, round after round,",
        f"so they meet the same noise; req/s is the best of {rounds} rounds (noise only slows a",
        "round down), latencies the median of the rounds' p50 and p99.",
        "",
        "| goal | measured | target | met |",
        "|---|---|---|---|",
    ]
    goals = ratios(runs) + ([export_ratio(export)] if export else [])
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in goals]
    lines += [
        "",
        f"wrk with {THREADS} threads and {CONNECTIONS} connections against 127.0.0.1:",
        "",
        "| run | req/s (best) | req/s (median) | p50 ms | p99 ms | answers | leads stored |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        stored = "" if run.rows_stored is None else f"{run.rows_stored:,}"
        # A memory run stops when its tokens run out, but wrk reports its full
        # duration: its req/s would mislead.
        rate = "" if run.extra else f"{run.requests_per_s:,.0f} | {run.median_rps:,.0f}"
        rate = rate or "— | —"
        lines.append(
            f"| {run.name} | {rate} | {run.p50_ms:.1f} | {run.p99_ms:.1f} "
            f"| {answers(run)} | {stored} |"
        )
    lines += [
        "",
        "CPU time per request inside the process (`python -m bench.inprocess`: the ASGI "
        "app called directly, no server, no log output; POSTs 50 at a time, durable; "
        "least of 3 tries):",
        "",
        *(f"- {name}: {micros:.0f} µs" for name, micros in cpu.items()),
    ]
    if export:
        growth = (export["rss_peak_kib"] - export["rss_before_kib"]) / 1024
        lines += [
            "",
            f"CSV export (`bench/export_bench.py --leads {export['rows']:.0f}`, the server's "
            "/admin/leads.csv over HTTP while a writer adds a lead every 10 ms): "
            f"{export['rows_per_s']:,.0f} rows/s; `sqlite3 -csv` on the same table just "
            f"after: {export['sqlite3_csv_rows_per_s']:,.0f} rows/s; server RSS growth "
            f"{growth:.1f} MiB; largest WAL {export['wal_peak_kib']:,.0f} KiB.",
        ]
    if metrics_cpu:
        lines += [
            "",
            "What the Prometheus metrics cost that GET (`python -m bench.metrics_overhead`: "
            "µs of CPU with each request recorded, and with recording off, alternately in one "
            "run, least of 5 tries; and the recording timed alone; target under 5%):",
            "",
            *(
                f"- {mode}: {metrics_overhead.describe(micros)}"
                for mode, micros in metrics_cpu.items()
            ),
        ]
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
    parser.add_argument("--seconds", type=float, default=4, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per target")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument(
        "--export-leads", type=int, default=200_000, help="leads in the export run (0: none)"
    )
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    cpu = asyncio.run(inprocess.measure())
    metrics_cpu = metrics_overhead.measure()
    runs = []
    for run in scenarios(args.seconds, args.rounds):
        print(
            f"{run.name}: best {run.requests_per_s:,.0f} req/s, p99 {run.p99_ms:.1f} ms, "
            f"{answers(run)}",
            flush=True,
        )
        runs.append(run)
    export = None
    if args.export_leads:
        export = export_bench.export_run(args.export_leads, WORK / "export.db")
        print(f"export: {export['rows_per_s']:,.0f} rows/s", flush=True)
    load_after = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    (WORK / "results.json").write_text(
        json.dumps([asdict(r) for r in runs], indent=2, ensure_ascii=False)
    )
    section = render(runs, export, cpu, started, load_before, load_after, args.rounds, metrics_cpu)
    if not args.no_doc:
        update_doc(section)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
