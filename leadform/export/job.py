"""Running an export: read leads in keyset chunks, format them, record it.

Shared by the CSV/XLSX endpoints and `leadform export`. The blocking parts (sqlite3
reads, formatting, XlsxWriter) are plain functions the web layer runs in a worker
thread; the audit records go through the group-commit writer.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO
from zoneinfo import ZoneInfo

from leadform.domain.actors import Actor
from leadform.domain.leads import Lead
from leadform.domain.opt_out import OptOutLinks
from leadform.export.formats import BOM, XlsxLeads, csv_chunk_from_text, csv_text
from leadform.storage import Database
from leadform.storage.export_audit import FinishedExport, NewExport, finish_export, start_export
from leadform.storage.lead_queries import ExportReader, LeadQuery

CHUNK_ROWS = 2000
"""Rows per read transaction: big enough to be fast, small enough that a snapshot
is held for milliseconds, so checkpoints keep the WAL small during long exports."""

FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class ExportRequest:
    query: LeadQuery
    after_id: int  # the cursor passed in: leads with larger ids
    format: str  # csv | xlsx
    header: list[str]
    zone: ZoneInfo
    bom: bool = True
    links: OptOutLinks | None = None  # the opt-out link column; empty without


class LeadExport:
    """One export over the leads with after_id < id <= upto_id. `upto_id` is fixed
    when the export starts and is the cursor handed back: the next export starts
    right after it, so nothing is missed or repeated while leads keep arriving."""

    def __init__(self, reader: ExportReader, request: ExportRequest) -> None:
        self.reader = reader
        self.request = request
        self.upto_id = max(reader.last_id(), request.after_id)
        self.rows = 0

    def _chunks(self) -> Iterator[list[Lead]]:
        """Each chunk of leads, each read in its own short transaction."""
        after = self.request.after_id
        while True:
            leads = self.reader.chunk(self.request.query, after, self.upto_id, CHUNK_ROWS)
            if not leads:
                return
            after = leads[-1].id
            self.rows += len(leads)
            yield leads

    def csv_parts(self) -> Generator[tuple[bytes, int], None, None]:
        """The CSV file in pieces with their row counts: BOM and header first, then
        one piece per chunk."""
        request = self.request
        yield ((BOM if request.bom else "") + csv_text([request.header])).encode("utf-8"), 0
        after = request.after_id
        while True:
            rows, after = self.reader.text_chunk(request.query, after, self.upto_id, CHUNK_ROWS)
            if not rows:
                return
            self.rows += len(rows)
            yield csv_chunk_from_text(rows, request.zone, request.links).encode("utf-8"), len(rows)

    def write_xlsx(self, target: str | IO[bytes]) -> None:
        request = self.request
        workbook = XlsxLeads(target, request.zone, request.header, request.links)
        for leads in self._chunks():
            workbook.add(leads)
        workbook.close()

    def count(self) -> int:
        """How many leads the export will hold (for a progress bar)."""
        return self.reader.count(self.request.query, self.request.after_id, self.upto_id)


async def record_start(db: Database, actor: Actor, export: LeadExport, now: datetime) -> int:
    request = export.request
    filters = json.dumps(request.query.filter.as_params(), ensure_ascii=False, sort_keys=True)
    new = NewExport(
        started_at=now,
        actor=actor.name,
        actor_kind=actor.kind,
        staff_id=actor.staff_id,
        api_token_id=actor.api_token_id,
        format=request.format,
        filters=filters,
        after_id=request.after_id,
        upto_id=export.upto_id,
    )
    export_id: int = await db.writer.submit(start_export, new)
    return export_id


async def record_finish(
    db: Database, export_id: int, rows: int, complete: bool, now: datetime
) -> None:
    await db.writer.submit(finish_export, FinishedExport(export_id, now, rows, complete))
