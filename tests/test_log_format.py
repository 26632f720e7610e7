"""One log format for the served app: leadform's and uvicorn's lines, text or JSON,
each with time, level, worker pid and logger; no personal data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from tests.servers import BODY, bookable_day, lead_form, new_token, running_server

TEXT_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} (DEBUG|INFO|WARNING|ERROR|CRITICAL) "
    r"\[(\d+)\] ([\w.]+): "
)


def submit_a_lead(base_url: str) -> None:
    form = lead_form(new_token(), bookable_day(base_url))
    assert httpx.post(f"{base_url}/en/register", data=form).status_code == 303


def test_text_lines_share_one_format_across_workers(tmp_path: Path) -> None:
    with running_server(tmp_path, "--workers=2") as server:
        submit_a_lead(server.base_url)
    lines = server.log.read_text().splitlines()
    parsed = [TEXT_LINE.match(line) for line in lines]
    assert lines and all(parsed), [line for line, match in zip(lines, parsed) if not match]
    loggers = {match.group(3) for match in parsed if match}
    assert {"uvicorn.error", "leadform"} <= loggers
    pids = {match.group(2) for match in parsed if match and match.group(3) == "leadform"}
    assert len(pids) == 2  # each worker says it is ready, under its own pid


def test_json_format_gives_one_object_per_line(tmp_path: Path) -> None:
    with running_server(tmp_path, LEADFORM_LOG_FORMAT="json") as server:
        submit_a_lead(server.base_url)
    records = [json.loads(line) for line in server.log.read_text().splitlines()]
    assert records
    assert all({"time", "level", "pid", "logger", "message"} <= record.keys() for record in records)
    assert {"uvicorn.error", "leadform", "leadform.request"} <= {r["logger"] for r in records}
    text = server.log.read_text()
    assert all(value not in text for value in (BODY["name"], BODY["phone"], BODY["email"]))


def test_log_level_leaves_out_lower_levels(tmp_path: Path) -> None:
    with running_server(tmp_path, LEADFORM_LOG_LEVEL="WARNING") as server:
        submit_a_lead(server.base_url)
    assert " INFO " not in server.log.read_text()
