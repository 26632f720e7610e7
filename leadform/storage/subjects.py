"""Finding every lead of the person a privacy request is about."""

from __future__ import annotations

import aiosqlite

from leadform.domain.leads import Lead
from leadform.domain.subjects import EMAIL, PHONE, REFERENCE, Subject
from leadform.storage.leads import LEAD_COLUMNS, lead_from_row

# A reference names one lead; its person is everyone with that lead's phone number.
_MATCH = {
    PHONE: "phone = ?",
    EMAIL: "email != '' AND lower(email) = lower(?)",
    REFERENCE: "phone = (SELECT phone FROM leads WHERE reference = ?)",
}


async def subject_leads(conn: aiosqlite.Connection, subject: Subject) -> list[Lead]:
    """The person's leads, oldest first."""
    sql = f"SELECT {LEAD_COLUMNS} FROM leads WHERE {_MATCH[subject.kind]} ORDER BY id"  # noqa: S608
    async with conn.execute(sql, (subject.value,)) as cursor:
        return [lead_from_row(row) for row in await cursor.fetchall()]
