"""`leadform database copy`: SQLite -> PostgreSQL -> SQLite keeps every row and id, and
the two SQLite files export the same CSV."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from leadform.config import PostgresUrl
from leadform.storage import open_database
from leadform.storage.api_tokens import NewApiToken, add_token
from leadform.storage.export_audit import NewExport, start_export
from leadform.storage.staff import NewSession, NewStaff, add_session, add_staff
from tests.conftest import ROOT
from tests.databases import rows
from tests.outbox_support import email, new_lead, webhook

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
TABLES = (
    "consent_wordings",
    "leads",
    "staff",
    "staff_sessions",
    "api_tokens",
    "exports",
    "notifications",
)


def leadform(*args: str, database: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LEADFORM_SECRET_KEY": "copy-test-" + "k" * 32,
        "LEADFORM_LOCALES_DIR": str(ROOT / "locales"),
    }
    if database:
        env["LEADFORM_DATABASE"] = database
    return subprocess.run(
        [sys.executable, "-m", "leadform", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def fill(path: Path) -> None:
    db = await open_database(path)
    try:
        for i in range(25):
            await db.save_lead(new_lead(f"t{i}", webhook("https://crm.example/h"), email("a@b.c")))
        await db.writer.submit(add_staff, NewStaff("sales@clinic.example", "argon2-hash", NOW))
        await db.writer.submit(add_session, NewSession("s", 1, NOW, NOW + timedelta(days=1)))
        await db.writer.submit(add_token, NewApiToken("crm", "pub", "secret-hash", NOW))
        new = NewExport(NOW, "sales@clinic.example", "staff", 1, None, "csv", "{}", 0, 25)
        await db.writer.submit(start_export, new)
    finally:
        await db.close()


async def snapshot(target: Path | PostgresUrl) -> dict[str, list[dict[str, object]]]:
    return {t: await rows(target, f"SELECT * FROM {t} ORDER BY 1") for t in TABLES}


async def test_a_round_trip_through_postgresql_keeps_every_row(
    tmp_path: Path, postgres: PostgresUrl
) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    await fill(first)
    there = leadform("database", "copy", str(first), postgres.url)
    assert there.returncode == 0, there.stderr
    back = leadform("database", "copy", postgres.url, str(second))
    assert back.returncode == 0, back.stderr
    before = await snapshot(first)
    assert len(before["leads"]) == 25 and len(before["notifications"]) == 50
    assert await snapshot(postgres) == before
    assert await snapshot(second) == before
    exports = [
        leadform("export", "--format", "csv", database=str(path)) for path in (first, second)
    ]
    assert [e.returncode for e in exports] == [0, 0]
    assert exports[0].stdout == exports[1].stdout and exports[0].stdout.count("\n") == 26


async def test_new_ids_after_a_copy_follow_the_copied_ones(
    tmp_path: Path, postgres: PostgresUrl
) -> None:
    source = tmp_path / "leads.db"
    await fill(source)
    assert leadform("database", "copy", str(source), postgres.url).returncode == 0
    db = await open_database(postgres)
    try:
        await db.save_lead(new_lead("after-the-copy"))
    finally:
        await db.close()
    [row] = await rows(postgres, "SELECT id FROM leads WHERE token_id = ?", "after-the-copy")
    assert row["id"] == 26


async def test_a_target_holding_rows_is_refused_with_one_line(
    tmp_path: Path, postgres: PostgresUrl
) -> None:
    source = tmp_path / "leads.db"
    await fill(source)
    assert leadform("database", "copy", str(source), postgres.url).returncode == 0
    again = leadform("database", "copy", str(source), postgres.url)
    assert again.returncode == 1
    [line] = again.stderr.strip().splitlines()
    assert "not empty" in line
    assert len(await rows(postgres, "SELECT id FROM leads")) == 25
