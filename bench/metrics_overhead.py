"""What the Prometheus metrics cost the GET of the form: CPU time per GET /en/register
inside the process (bench.inprocess) with each request recorded, and with recording
switched off, measured alternately in one run; in single-process mode and in
multiprocess mode (PROMETHEUS_MULTIPROC_DIR, as `leadform serve --workers N` runs).

    .venv/bin/python -m bench.metrics_overhead [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATH = "/en/register"


async def pair(rounds: int) -> dict[str, float]:
    """µs of CPU per GET, recorded and not, the least of `rounds` alternating tries."""
    from bench.inprocess import leadform_cpu
    from leadform.web.metrics import RequestMetrics

    observe = RequestMetrics.observe
    found: dict[str, list[float]] = {"recorded": [], "off": []}
    for _ in range(rounds):
        found["recorded"].append(await leadform_cpu(PATH, 128))
        RequestMetrics.observe = lambda self, route, status, seconds: None  # type: ignore[method-assign]
        try:
            found["off"].append(await leadform_cpu(PATH, 128))
        finally:
            RequestMetrics.observe = observe  # type: ignore[method-assign]
    result = {name: min(values) for name, values in found.items()}
    result["observe"] = observe_cost()
    return result


def observe_cost(calls: int = 50_000) -> float:
    """µs of CPU one request's recording takes, timed alone: steadier than the
    difference of two GETs on a busy machine."""
    from leadform.web.metrics import RequestMetrics

    metrics = RequestMetrics()
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(calls):
            metrics.observe("/{locale}/register", 200, 0.003)
        best = min(best, time.process_time() - started)
    return best / calls * 1e6


def in_child(rounds: int, multiprocess: bool) -> dict[str, float]:
    """One mode in a fresh interpreter: prometheus-client picks its mode at import."""
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    with tempfile.TemporaryDirectory() as folder:
        if multiprocess:
            env["PROMETHEUS_MULTIPROC_DIR"] = folder
        result = subprocess.run(
            [sys.executable, "-m", "bench.metrics_overhead", "--child", f"--rounds={rounds}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    measured: dict[str, float] = json.loads(result.stdout)
    return measured


def measure(rounds: int = 5) -> dict[str, dict[str, float]]:
    return {
        "single process": in_child(rounds, multiprocess=False),
        "multiprocess (several workers)": in_child(rounds, multiprocess=True),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(pair(args.rounds))))
        return
    for mode, micros in measure(args.rounds).items():
        print(f"{mode}: {describe(micros)}")


def describe(micros: dict[str, float]) -> str:
    return (
        f"GET {PATH} {micros['recorded']:.0f} µs CPU recorded, {micros['off']:.0f} µs not "
        f"({micros['recorded'] / micros['off'] - 1:+.1%}); recording alone "
        f"{micros['observe']:.1f} µs = {micros['observe'] / micros['off']:.1%} of the GET"
    )


if __name__ == "__main__":
    main()
