"""The storage layer: what only a SQLite file has (WAL, user_version), then the
writer's promises on both engines."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from leadform.config import PostgresUrl
from leadform.domain.leads import Attribution, ConsentWording, LeadInput, NewLead
from leadform.storage import StorageError, open_database
from leadform.storage.database import migrations
from leadform.storage.leads import get_lead
from tests.databases import rows

pytestmark = pytest.mark.anyio


def new_lead(token_id: str, text: str = "I agree") -> NewLead:
    return NewLead(
        lead=LeadInput("Chan", "+85291234567", "", "acne", date(2026, 12, 1), False),
        token_id=token_id,
        created_at=datetime(2026, 11, 26, 2, 0, tzinfo=UTC),
        locale="en",
        consent=ConsentWording("en", text),
        ip="127.0.0.1",
        user_agent="test",
    )


async def test_new_database_is_migrated_to_the_latest_version_in_wal_mode(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "sub" / "leads.db")
    await db.close()
    with sqlite3.connect(tmp_path / "sub" / "leads.db") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1].version
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_database_from_a_newer_leadform_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "leads.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(StorageError, match="newer"):
        await open_database(path)


async def test_saving_the_same_token_twice_keeps_the_first_lead(
    database: Path | PostgresUrl,
) -> None:
    db = await open_database(database)
    try:
        first = await db.save_lead(new_lead("token-1"))
        again = await db.save_lead(new_lead("token-1"))
        found = await db.find_lead_by_token("token-1")
    finally:
        await db.close()
    assert first == again == found
    assert len(first.reference) == 8


async def test_closing_commits_what_was_queued(database: Path | PostgresUrl) -> None:
    db = await open_database(database)
    pending = [asyncio.ensure_future(db.save_lead(new_lead(f"q{i}"))) for i in range(20)]
    await asyncio.sleep(0)
    await db.close()
    assert all(task.done() and not task.exception() for task in pending)
    assert len(await rows(database, "SELECT id FROM leads")) == 20


async def test_a_stored_lead_reads_back_with_its_attribution(
    database: Path | PostgresUrl,
) -> None:
    db = await open_database(database)
    try:
        attribution = Attribution(utm_source="facebook", page_url="https://clinic.example/milia")
        saved = await db.save_lead(replace(new_lead("a1"), attribution=attribution))
        lead = await get_lead(db.reader, 1)  # the first lead of a new database
    finally:
        await db.close()
    assert lead is not None
    assert lead.attribution == attribution
    assert (lead.reference, lead.phone, lead.created_at.isoformat()) == (
        saved.reference,
        "+85291234567",
        "2026-11-26T02:00:00+00:00",
    )
