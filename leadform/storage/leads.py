"""Leads: insert through the group-commit writer, look up by form token."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime

import aiosqlite

from leadform.domain.leads import (
    ATTRIBUTION_FIELDS,
    Attribution,
    Lead,
    NewLead,
    StoredLead,
    new_reference,
)
from leadform.storage.errors import storage_errors
from leadform.storage.outbox import queue_notifications
from leadform.storage.times import utc_iso

_REFERENCE_TRIES = 5


_INSERT_WORDING = """
INSERT INTO consent_wordings (hash, locale, text, first_seen_at) VALUES (?, ?, ?, ?)
ON CONFLICT (hash) DO NOTHING
"""

# Only constant column names are interpolated; values are always parameters.
_INSERT_LEAD = f"""
INSERT INTO leads (reference, token_id, created_at, locale, name, phone, email, treatment,
    preferred_date, consent_terms_at, consent_marketing, consent_wording_hash, ip, user_agent,
    {", ".join(ATTRIBUTION_FIELDS)})
VALUES ({", ".join("?" * (14 + len(ATTRIBUTION_FIELDS)))})
ON CONFLICT (token_id) DO NOTHING
"""  # noqa: S608

LEAD_COLUMNS = (
    "id, reference, created_at, locale, name, phone, email, treatment, preferred_date, "
    f"consent_marketing, marketing_withdrawn_at, {', '.join(ATTRIBUTION_FIELDS)}"
)
"""The columns `lead_from_row` reads; other modules select them to build a Lead."""

_SELECT_STORED = """
SELECT reference, token_id, locale, treatment, preferred_date, created_at FROM leads
"""


def _lead_row(new: NewLead, reference: str) -> tuple[object, ...]:
    lead = new.lead
    created = utc_iso(new.created_at)
    return (
        reference,
        new.token_id,
        created,
        new.locale,
        lead.name,
        lead.phone,
        lead.email,
        lead.treatment,
        lead.preferred_date.isoformat(),
        created,
        int(lead.consent_marketing),
        new.consent.hash,
        new.ip,
        new.user_agent,
        *(getattr(new.attribution, name) for name in ATTRIBUTION_FIELDS),
    )


async def write_leads(conn: aiosqlite.Connection, batch: Sequence[NewLead]) -> list[StoredLead]:
    """Insert a batch inside the writer's transaction; a token already stored keeps
    its first lead, so a double submit answers with the same reference. Leads new in
    this batch get their notifications queued in the same transaction."""
    wordings = {new.consent.hash: new.consent for new in batch}
    first_seen = utc_iso(batch[0].created_at)
    await conn.executemany(
        _INSERT_WORDING, [(h, w.locale, w.text, first_seen) for h, w in wordings.items()]
    )
    before = await _last_lead_id(conn)
    try:
        await conn.executemany(_INSERT_LEAD, [_lead_row(new, new_reference()) for new in batch])
    except sqlite3.IntegrityError:
        # A reference collided (about 1 in 10^12 per pair): insert one by one with
        # fresh codes; rows already in are skipped by the token conflict clause.
        for new in batch:
            await _insert_with_fresh_reference(conn, new)
    await _queue_for_new_leads(conn, batch, before)
    stored = await _stored_by_tokens(conn, [new.token_id for new in batch])
    return [stored[new.token_id] for new in batch]


async def _last_lead_id(conn: aiosqlite.Connection) -> int:
    async with conn.execute("SELECT coalesce(max(id), 0) FROM leads") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def _queue_for_new_leads(
    conn: aiosqlite.Connection, batch: Sequence[NewLead], before: int
) -> None:
    """Queue notifications for the rows this batch inserted: SQLite gives a new row an
    id above every existing one, so they are the ids above `before`. A repeated token
    inserted nothing and so queues nothing."""
    async with conn.execute("SELECT id, token_id FROM leads WHERE id > ?", (before,)) as cursor:
        inserted = {row["token_id"]: row["id"] for row in await cursor.fetchall()}
    first_by_token: dict[str, NewLead] = {}
    for new in batch:
        first_by_token.setdefault(new.token_id, new)
    await queue_notifications(
        conn,
        [
            (lead_id, first_by_token[token].created_at, first_by_token[token].notify)
            for token, lead_id in inserted.items()
        ],
    )


async def _insert_with_fresh_reference(conn: aiosqlite.Connection, new: NewLead) -> None:
    for attempt in range(_REFERENCE_TRIES):
        try:
            await conn.execute(_INSERT_LEAD, _lead_row(new, new_reference()))
            return
        except sqlite3.IntegrityError:
            if attempt == _REFERENCE_TRIES - 1:
                raise


async def _stored_by_tokens(
    conn: aiosqlite.Connection, token_ids: Sequence[str]
) -> dict[str, StoredLead]:
    unique = list(dict.fromkeys(token_ids))
    marks = ",".join("?" * len(unique))
    async with conn.execute(f"{_SELECT_STORED} WHERE token_id IN ({marks})", unique) as cursor:
        rows = await cursor.fetchall()
    return {row["token_id"]: _stored(row) for row in rows}


def _stored(row: sqlite3.Row) -> StoredLead:
    return StoredLead(
        reference=row["reference"],
        token_id=row["token_id"],
        locale=row["locale"],
        treatment=row["treatment"],
        preferred_date=date.fromisoformat(row["preferred_date"]),
        created_at=datetime.fromisoformat(row["created_at"]),
    )


@storage_errors
async def find_lead_by_token(conn: aiosqlite.Connection, token_id: str) -> StoredLead | None:
    async with conn.execute(f"{_SELECT_STORED} WHERE token_id = ?", (token_id,)) as cursor:
        row = await cursor.fetchone()
    return _stored(row) if row else None


def lead_from_row(row: sqlite3.Row) -> Lead:
    """A Lead from a row holding LEAD_COLUMNS."""
    withdrawn = row["marketing_withdrawn_at"]
    return Lead(
        id=row["id"],
        reference=row["reference"],
        created_at=datetime.fromisoformat(row["created_at"]),
        locale=row["locale"],
        name=row["name"],
        phone=row["phone"],
        email=row["email"],
        treatment=row["treatment"],
        preferred_date=date.fromisoformat(row["preferred_date"]),
        consent_marketing=bool(row["consent_marketing"]) and withdrawn is None,
        attribution=Attribution(**{name: row[name] for name in ATTRIBUTION_FIELDS}),
        marketing_withdrawn_at=datetime.fromisoformat(withdrawn) if withdrawn else None,
    )


@storage_errors
async def get_lead(conn: aiosqlite.Connection, lead_id: int) -> Lead | None:
    query = f"SELECT {LEAD_COLUMNS} FROM leads WHERE id = ?"  # noqa: S608 - constant columns
    async with conn.execute(query, (lead_id,)) as cursor:
        row = await cursor.fetchone()
    return lead_from_row(row) if row else None


@storage_errors
async def marketing_withdrawn_at(
    conn: aiosqlite.Connection, reference: str
) -> tuple[bool, datetime | None]:
    """Whether a lead has this reference, and when its marketing consent was withdrawn."""
    async with conn.execute(
        "SELECT marketing_withdrawn_at FROM leads WHERE reference = ?", (reference,)
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return False, None
    return True, datetime.fromisoformat(row[0]) if row[0] else None
