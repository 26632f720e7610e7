"""The export loop on a real database: chunks, bounds, cursor under concurrent inserts."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from leadform.domain.lead_filters import LeadFilter, UtcRange
from leadform.export import job
from leadform.export.formats import header_row
from leadform.export.job import ExportRequest, LeadExport
from leadform.storage.lead_queries import ExportReader, LeadQuery
from tests.factories import ensure_schema, insert_leads, lead

HK = ZoneInfo("Asia/Hong_Kong")


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "leads.db"
    ensure_schema(path)
    return path


def request(after: int = 0) -> ExportRequest:
    query = LeadQuery(LeadFilter(), UtcRange(None, None))
    return ExportRequest(query, after, "csv", header_row(), HK, bom=False)


def references(body: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    return [row[0] for row in rows[1:]]


def run_export(
    database: Path, after: int, between_chunks: list[int] | None = None
) -> tuple[list[str], int]:
    """Export everything after `after`; insert a lead after each chunk when asked."""
    reader = ExportReader(database, 1.0)
    try:
        export = LeadExport(reader, request(after))
        body = b""
        for data, _rows in export.csv_parts():
            body += data
            if between_chunks is not None:
                between_chunks += insert_leads(
                    database, [lead(reference=f"LATE{len(between_chunks)}")]
                )
        return references(body), export.upto_id
    finally:
        reader.close()


def test_leads_arriving_during_an_export_go_to_the_next_one_exactly_once(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job, "CHUNK_ROWS", 7)  # many chunks, many chances to race
    insert_leads(database, [lead(reference=f"EARLY{n}") for n in range(50)])
    seen: list[str] = []
    cursor = 0
    arrived: list[int] = []
    for _ in range(100):  # follow the cursor until nothing new arrives
        refs, cursor = run_export(database, cursor, arrived if len(arrived) < 20 else None)
        seen += refs
        if not refs:
            break
    expected = [f"EARLY{n}" for n in range(50)] + [f"LATE{n}" for n in range(len(arrived))]
    assert sorted(seen) == sorted(expected)  # none missed
    assert len(seen) == len(set(seen))  # none repeated
    assert len(arrived) >= 20


def test_each_chunk_is_its_own_short_read_transaction(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job, "CHUNK_ROWS", 10)
    insert_leads(database, [lead() for _ in range(35)])
    reader = ExportReader(database, 1.0)
    try:
        export = LeadExport(reader, request())
        parts = export.csv_parts()
        next(parts)
        next(parts)  # a chunk was read and handed over
        assert not reader._conn.in_transaction  # no snapshot pinned between chunks
        assert sum(rows for _data, rows in parts) == 25
    finally:
        reader.close()


def test_cursor_does_not_go_backwards_when_nothing_is_new(database: Path) -> None:
    ids = insert_leads(database, [lead()])
    refs, cursor = run_export(database, ids[-1])
    assert refs == [] and cursor == ids[-1]


def test_text_rows_from_the_database_match_lead_fields(database: Path) -> None:
    from leadform.export.formats import csv_cells, csv_chunk_from_text

    insert_leads(
        database,
        [
            lead(
                name="陳大文", consent_marketing=1, utm_source="=x", referrer="https://r.example/"
            ),
            lead(name="-Chan", email="", page_url="@home", consent_marketing=0),
        ],
    )
    reader = ExportReader(database, 1.0)
    try:
        query = request().query
        leads = reader.chunk(query, 0, 10, 10)
        rows, last = reader.text_chunk(query, 0, 10, 10)
    finally:
        reader.close()
    assert last == leads[-1].id
    fast = list(csv.reader(io.StringIO(csv_chunk_from_text(rows, HK), newline="")))
    assert fast == [csv_cells(item, HK) for item in leads]
