"""Exports from a real `leadform serve` while leads keep arriving."""

from __future__ import annotations

import csv
import io
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.factories import add_token, ensure_schema, insert_leads, lead
from tests.servers import running_server

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    path = tmp_path / "leads.db"
    ensure_schema(path)
    with running_server(tmp_path) as running:
        yield running.base_url, path


def references(body: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    return [row[0] for row in rows[1:]]


def test_following_the_cursor_misses_and_repeats_nothing_while_leads_arrive(
    server: tuple[str, Path],
) -> None:
    base, path = server
    token = add_token(path)
    insert_leads(path, [lead(reference=f"OLD{n}") for n in range(20_000)])
    arrived: list[str] = []
    stop = threading.Event()

    def keep_inserting() -> None:
        while not stop.is_set() and len(arrived) < 400:
            refs = [f"NEW{len(arrived) + k}" for k in range(3)]
            insert_leads(path, [lead(reference=ref) for ref in refs])
            arrived.extend(refs)
            time.sleep(0.002)

    inserter = threading.Thread(target=keep_inserting)
    inserter.start()
    seen: list[str] = []
    cursor = "0"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        for _ in range(50):
            response = httpx.get(
                f"{base}/admin/leads.csv?after={cursor}", headers=headers, timeout=60
            )
            assert response.status_code == 200
            seen += references(response.content)
            cursor = response.headers["leadform-cursor"]
            if not inserter.is_alive():
                break
    finally:
        stop.set()
        inserter.join()
    final = httpx.get(f"{base}/admin/leads.csv?after={cursor}", headers=headers, timeout=60)
    seen += references(final.content)
    expected = {f"OLD{n}" for n in range(20_000)} | set(arrived)
    assert len(seen) == len(set(seen))  # nothing repeated
    assert set(seen) == expected  # nothing missed
    assert len(arrived) > 0


def test_an_export_cut_off_by_the_client_is_recorded_as_interrupted(
    server: tuple[str, Path],
) -> None:
    base, path = server
    token = add_token(path)
    insert_leads(path, [lead() for _ in range(60_000)])
    with httpx.stream(
        "GET", f"{base}/admin/leads.csv", headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as response:
        next(response.iter_bytes())  # read a little, then hang up
    status, rows = "streaming", 0
    for _ in range(200):
        with sqlite3.connect(path) as conn:
            status, rows = conn.execute("SELECT status, row_count FROM exports").fetchone()
        if status != "streaming":
            break
        time.sleep(0.05)
    assert status == "interrupted"
    assert rows < 60_000
