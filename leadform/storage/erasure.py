"""Erasure: every lead of one person deleted with what hangs on them, and a receipt.

The plan (which leads, which earlier exports included them) is read again inside the
erasure's own write transaction, so what is deleted is exactly what the receipt lists.
The connection runs with `secure_delete` on (database.connect), so deleted content is
overwritten with zeros; `Database.checkpoint` then copies those pages into the file
and empties the WAL, where the old rows would otherwise linger.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from leadform.domain.actors import Actor
from leadform.domain.lead_filters import phone_digits
from leadform.domain.leads import Lead
from leadform.domain.subjects import Subject
from leadform.storage.errors import storage_errors
from leadform.storage.export_audit import ExportIncluding, exports_including
from leadform.storage.lead_removal import Removed, remove_leads
from leadform.storage.subjects import subject_leads
from leadform.storage.times import utc_iso


@dataclass(frozen=True)
class PastErasure:
    erased_at: datetime
    actor: str
    lead_count: int


@dataclass(frozen=True)
class ErasurePlan:
    """What an erasure of this subject would delete, and what it cannot reach."""

    leads: list[Lead]
    exports: list[ExportIncluding]  # downloaded files that hold some of them
    earlier: list[PastErasure]  # erasures of the same identifier before


async def _plan(
    conn: aiosqlite.Connection, subject: Subject, identifier_hash: str, zone: ZoneInfo
) -> ErasurePlan:
    leads = await subject_leads(conn, subject)
    exports = await exports_including(conn, [lead.id for lead in leads], zone)
    async with conn.execute(
        "SELECT erased_at, actor, lead_count FROM erasures WHERE identifier_hash = ? ORDER BY id",
        (identifier_hash,),
    ) as cursor:
        earlier = [
            PastErasure(datetime.fromisoformat(row[0]), row[1], row[2])
            for row in await cursor.fetchall()
        ]
    return ErasurePlan(leads, exports, earlier)


@storage_errors
async def plan_erasure(
    conn: aiosqlite.Connection, subject: Subject, identifier_hash: str, zone: ZoneInfo
) -> ErasurePlan:
    """What `erase` would do now (the dry run and the confirmation page)."""
    return await _plan(conn, subject, identifier_hash, zone)


@dataclass(frozen=True)
class Erasure:
    subject: Subject
    identifier_hash: str
    actor: Actor
    at: datetime
    zone: ZoneInfo


@dataclass(frozen=True)
class ErasureReceipt:
    id: int
    erased_at: datetime
    lead_count: int
    removed: Removed
    exports: list[ExportIncluding]


async def erase(conn: aiosqlite.Connection, items: Sequence[Erasure]) -> list[ErasureReceipt]:
    """Delete each subject's leads and what hangs on them; keep a receipt (a BatchWrite)."""
    receipts = []
    for item in items:
        plan = await _plan(conn, item.subject, item.identifier_hash, item.zone)
        await _forget_searches(conn, plan)
        removed = await remove_leads(conn, [lead.id for lead in plan.leads])
        cursor = await conn.execute(
            "INSERT INTO erasures (erased_at, actor, actor_kind, identifier_kind, "
            "identifier_hash, lead_count) VALUES (?, ?, ?, ?, ?, ?)",
            (
                utc_iso(item.at),
                item.actor.name,
                item.actor.kind,
                item.subject.kind,
                item.identifier_hash,
                removed.leads,
            ),
        )
        erasure_id = int(cursor.lastrowid or 0)
        await conn.executemany(
            "INSERT INTO erasure_exports (erasure_id, export_id, lead_count) VALUES (?, ?, ?)",
            [(erasure_id, e.record.id, e.lead_count) for e in plan.exports],
        )
        receipts.append(ErasureReceipt(erasure_id, item.at, removed.leads, removed, plan.exports))
    return receipts


ERASED_SEARCH = "[erased]"


async def _forget_searches(conn: aiosqlite.Connection, plan: ErasurePlan) -> None:
    """An export searched for this person (their name, phone, email or reference)
    keeps its audit row, but not the search text: it is their personal data too."""
    for export in plan.exports:
        params = export.record.filter_params()
        if not any(_identifies(params.get("q", ""), lead) for lead in plan.leads):
            continue
        stored = {**params, "q": ERASED_SEARCH}
        await conn.execute(
            "UPDATE exports SET filters = ? WHERE id = ?",
            (_json(stored), export.record.id),
        )


def _identifies(search: str, lead: Lead) -> bool:
    text = search.casefold()
    if not text:
        return False
    parts = [lead.name, lead.email, lead.reference]
    if any(part and part.casefold() in text for part in parts):
        return True
    digits = phone_digits(search) or ""
    return len(digits) >= _PHONE_DIGITS and digits in re.sub(r"\D", "", lead.phone)


_PHONE_DIGITS = 8  # a Hong Kong number without its country code


def _json(params: dict[str, str]) -> str:
    return json.dumps(params, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class ErasureRecord:
    id: int
    erased_at: datetime
    actor: str
    identifier_kind: str
    lead_count: int
    export_ids: tuple[int, ...]


@storage_errors
async def list_erasures(conn: aiosqlite.Connection, limit: int = 50) -> list[ErasureRecord]:
    """The latest erasure receipts, newest first."""
    async with conn.execute(
        "SELECT e.id, e.erased_at, e.actor, e.identifier_kind, e.lead_count, "
        "group_concat(x.export_id) AS export_ids FROM erasures e "
        "LEFT JOIN erasure_exports x ON x.erasure_id = e.id "
        "GROUP BY e.id ORDER BY e.id DESC LIMIT ?",
        (limit,),
    ) as cursor:
        rows = await cursor.fetchall()
    return [
        ErasureRecord(
            id=row["id"],
            erased_at=datetime.fromisoformat(row["erased_at"]),
            actor=row["actor"],
            identifier_kind=row["identifier_kind"],
            lead_count=row["lead_count"],
            export_ids=tuple(int(i) for i in (row["export_ids"] or "").split(",") if i),
        )
        for row in rows
    ]
