"""Withdrawn marketing consent: the time the person pressed the opt-out button."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from leadform.storage.times import utc_iso


@dataclass(frozen=True)
class Withdrawal:
    reference: str
    at: datetime


async def withdraw_marketing(conn: aiosqlite.Connection, items: Sequence[Withdrawal]) -> list[bool]:
    """Record the withdrawal (a BatchWrite); a second press keeps the first time.
    False for a reference no lead has (erased or purged since)."""
    results = []
    for item in items:
        await conn.execute(
            "UPDATE leads SET marketing_withdrawn_at = ? "
            "WHERE reference = ? AND marketing_withdrawn_at IS NULL",
            (utc_iso(item.at), item.reference),
        )
        async with conn.execute(
            "SELECT 1 FROM leads WHERE reference = ?", (item.reference,)
        ) as cursor:
            results.append(await cursor.fetchone() is not None)
    return results
