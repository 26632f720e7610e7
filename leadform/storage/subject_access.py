"""Everything held about one person, for their access request (PDPO DPP6): each lead
with the consent wording it was shown, the notifications sent about it (when and on
which channel, never their content) and the exports that included it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from leadform.domain.leads import Lead
from leadform.domain.subjects import Subject
from leadform.storage.errors import storage_errors
from leadform.storage.export_audit import ExportIncluding, exports_including
from leadform.storage.subjects import subject_leads


@dataclass(frozen=True)
class SentNotification:
    channel: str
    status: str  # pending | delivered | failed
    queued_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class HeldLead:
    lead: Lead
    consent_terms_at: datetime
    consent_marketing_given: bool  # as the form recorded it, before any withdrawal
    wording_locale: str
    wording: str  # the consent sentences exactly as shown
    ip: str
    user_agent: str
    notifications: list[SentNotification]
    exports: list[ExportIncluding]


@storage_errors
async def held_about(
    conn: aiosqlite.Connection, subject: Subject, zone: ZoneInfo
) -> list[HeldLead]:
    held = []
    for lead in await subject_leads(conn, subject):
        async with conn.execute(
            "SELECT l.consent_terms_at, l.consent_marketing, l.ip, l.user_agent, w.locale, w.text "
            "FROM leads l JOIN consent_wordings w ON w.hash = l.consent_wording_hash "
            "WHERE l.id = ?",
            (lead.id,),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        held.append(
            HeldLead(
                lead=lead,
                consent_terms_at=datetime.fromisoformat(row[0]),
                consent_marketing_given=bool(row[1]),
                ip=row[2],
                user_agent=row[3],
                wording_locale=row[4],
                wording=row[5],
                notifications=await _notifications(conn, lead.id),
                exports=await exports_including(conn, [lead.id], zone),
            )
        )
    return held


async def _notifications(conn: aiosqlite.Connection, lead_id: int) -> list[SentNotification]:
    async with conn.execute(
        "SELECT channel, status, created_at, finished_at FROM notifications "
        "WHERE lead_id = ? ORDER BY id",
        (lead_id,),
    ) as cursor:
        rows = await cursor.fetchall()
    return [
        SentNotification(
            row[0],
            row[1],
            datetime.fromisoformat(row[2]),
            datetime.fromisoformat(row[3]) if row[3] else None,
        )
        for row in rows
    ]
