"""What rate limiting costs a durable POST /api/leads: the same load with
LEADFORM_RATE_LIMIT=0 and with the default limits, every request from its own client
address (X-Forwarded-For through a trusted proxy), as real visitors would be, so every
lead is checked and counted and none refused.

    .venv/bin/python bench/rate_limit_overhead.py [--seconds 5] [--connections 20] [--rounds 2]

Needs wrk (Debian package `wrk`). Starts `leadform serve` on a free loopback port for
each run (fresh database), fetches the form tokens first, then times the POSTs only.
Bounded: each run lasts --seconds.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import bookable_day, start_server, stop  # noqa: E402

TOKENS = 40_000

LUA = """
local counter = 0
function setup(thread) thread:set("id", counter); counter = counter + 1 end
local tokens = {}
local i = 0
function init(args)
  for line in io.lines("%(tokens)s") do tokens[#tokens + 1] = line end
  i = id * 20000
end
function request()
  i = i + 1
  local body = "token=" .. tokens[i] .. "&name=Bench&phone=%%2B852" .. (91230000 + i)
    .. "&treatment=acne&preferred_date=%(day)s&consent_terms=yes"
  local client = "198.18." .. math.floor(i / 250) %% 250 .. "." .. (i %% 250)
  return wrk.format("POST", "/api/leads", {
    ["Content-Type"] = "application/x-www-form-urlencoded", ["X-Forwarded-For"] = client}, body)
end
"""


def run(limit: str, args: argparse.Namespace, tmp: Path) -> float:
    server = start_server(
        tmp,
        LEADFORM_DATABASE=str(tmp / f"leads-{time.time_ns()}.db"),
        LEADFORM_TRUSTED_PROXIES="127.0.0.1",
        LEADFORM_RATE_LIMIT=limit,
    )
    try:
        base = server.base_url
        script = prepare(base, tmp)
        wrk = subprocess.run(
            ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "-s", str(script), base],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        stop(server.process)
    if "Non-2xx" in wrk.stdout:
        raise RuntimeError(f"some answers were not 201:\n{wrk.stdout}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", wrk.stdout)
    assert match, wrk.stdout
    return float(match.group(1))


def prepare(base: str, tmp: Path) -> Path:
    tokens = tmp / "tokens.txt"
    with httpx.Client(base_url=base) as client:
        day = bookable_day(base)
        tokens.write_text(
            "".join(client.get("/api/form").json()["token"] + "\n" for _ in range(TOKENS))
        )
    script = tmp / "post.lua"
    script.write_text(LUA % {"tokens": tokens, "day": day})
    return script


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for limit in ("0", "5/minute;30/hour"):
                rate = run(limit, args, Path(tmp))
                print(f"LEADFORM_RATE_LIMIT={limit:<18} {rate:8.0f} durable POST/s", flush=True)


if __name__ == "__main__":
    main()
