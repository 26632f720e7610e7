"""Upgrading: a database made by each earlier schema version migrates to the current
one with its leads intact (fixtures: tests/schema_fixtures.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from leadform.storage import open_database
from leadform.storage.database import migrations
from tests.schema_fixtures import FOLDER, REFERENCE, TOKEN_ID

pytestmark = pytest.mark.anyio

LATEST = migrations()[-1].version


def fixture_versions() -> list[int]:
    return sorted(int(path.stem[1:]) for path in FOLDER.glob("v*.sql"))


def test_every_earlier_schema_version_has_a_fixture() -> None:
    missing = sorted(set(range(1, LATEST)) - set(fixture_versions()))
    assert not missing, (
        f"no database of schema version(s) {missing}: "
        f"run .venv/bin/python -m tests.schema_fixtures {' '.join(map(str, missing))}"
    )


@pytest.mark.parametrize("version", fixture_versions())
async def test_database_of_an_earlier_version_migrates_with_its_leads(
    tmp_path: Path, version: int
) -> None:
    database = tmp_path / "leads.db"
    with sqlite3.connect(database) as conn:
        conn.executescript((FOLDER / f"v{version}.sql").read_text(encoding="utf-8"))
    db = await open_database(database, create=False)
    try:
        lead = await db.find_lead_by_token(TOKEN_ID)
    finally:
        await db.close()
    assert lead is not None and lead.reference == REFERENCE and lead.locale == "zh-Hant-HK"
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT name FROM leads").fetchall() == [("陳大文",)]
