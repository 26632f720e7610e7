"""Deleting leads with everything that hangs on them, for erasure and retention alike:
their outbox rows, their rate-limit rows, and consent wordings no lead refers to any
more. Runs inside the writer's transaction. A table added later that refers to a lead
must be emptied here too (tests/test_erasure.py scans every column of every table)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

# SQLite allows 32,766 parameters; leads are removed in slices well below that.
_SLICE = 500


@dataclass(frozen=True)
class Removed:
    leads: int = 0
    notifications: int = 0
    rate_hits: int = 0
    consent_wordings: int = 0


async def remove_leads(conn: aiosqlite.Connection, lead_ids: Sequence[int]) -> Removed:
    """Delete these leads, their notifications and rate-limit rows, then every consent
    wording no remaining lead refers to. Returns what went."""
    leads = notifications = rate_hits = 0
    for start in range(0, len(lead_ids), _SLICE):
        ids = list(lead_ids[start : start + _SLICE])
        marks = ",".join("?" * len(ids))  # only placeholders are interpolated
        notifications += await _delete(
            conn,
            f"DELETE FROM notifications WHERE lead_id IN ({marks})",  # noqa: S608
            ids,
        )
        rate_hits += await _delete(
            conn,
            f"DELETE FROM rate_hits WHERE token_id IN "  # noqa: S608
            f"(SELECT token_id FROM leads WHERE id IN ({marks}))",
            ids,
        )
        leads += await _delete(conn, f"DELETE FROM leads WHERE id IN ({marks})", ids)  # noqa: S608
    wordings = await _delete(
        conn,
        "DELETE FROM consent_wordings WHERE NOT EXISTS "
        "(SELECT 1 FROM leads WHERE leads.consent_wording_hash = consent_wordings.hash)",
        [],
    )
    return Removed(leads, notifications, rate_hits, wordings)


async def _delete(conn: aiosqlite.Connection, sql: str, params: Sequence[object]) -> int:
    cursor = await conn.execute(sql, params)
    count = cursor.rowcount
    await cursor.close()
    return count
