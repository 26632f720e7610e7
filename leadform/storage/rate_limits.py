"""Rate-limit counts: checked and recorded inside the writer's transaction.

Checking and recording happen in the same BEGIN IMMEDIATE transaction as the lead's
insert, so concurrent requests, even from other instances on this database, cannot
both slip under a limit, and a limited lead costs no commit of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from leadform.ratelimit import Hit, RateLimit, longest_window, retry_after
from leadform.storage.leads import NewLead, StoredLead, write_leads


@dataclass(frozen=True)
class Attempt:
    """A submission to count against each of its keys (hashed client and phone)."""

    keys: tuple[str, ...]
    token_id: str
    at: datetime
    limits: tuple[RateLimit, ...]


@dataclass(frozen=True)
class Throttled:
    retry_after: int  # seconds


_RECENT = "SELECT token_id, at FROM rate_hits WHERE key = ? AND at > ?"
_RECORD = "INSERT INTO rate_hits (key, token_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
_PRUNE = "DELETE FROM rate_hits WHERE at <= ?"


async def admit(conn: aiosqlite.Connection, attempt: Attempt) -> Throttled | None:
    """Record the attempt under every key, or refuse it (recording nothing)."""
    now = attempt.at.timestamp()
    since = now - longest_window(attempt.limits)
    waits = []
    for key in attempt.keys:
        async with conn.execute(_RECENT, (key, since)) as cursor:
            hits = [Hit(row["token_id"], row["at"]) async for row in cursor]
        wait = retry_after(hits, attempt.limits, now, attempt.token_id)
        if wait is not None:
            waits.append(wait)
    if waits:
        return Throttled(max(waits))
    await conn.executemany(_RECORD, [(key, attempt.token_id, now) for key in attempt.keys])
    return None


async def _prune(conn: aiosqlite.Connection, attempts: Sequence[Attempt]) -> None:
    oldest_needed = min(a.at.timestamp() - longest_window(a.limits) for a in attempts)
    await conn.execute(_PRUNE, (oldest_needed,))


async def record_attempts(
    conn: aiosqlite.Connection, batch: Sequence[Attempt]
) -> list[Throttled | None]:
    """Count attempts that store nothing (a filled honeypot) like real ones."""
    await _prune(conn, batch)
    return [await admit(conn, attempt) for attempt in batch]


async def write_leads_within_limits(
    conn: aiosqlite.Connection, batch: Sequence[tuple[NewLead, Attempt]]
) -> list[StoredLead | Throttled]:
    """Store each lead whose attempt fits the limits; answer the rest with the wait."""
    await _prune(conn, [attempt for _, attempt in batch])
    verdicts = [await admit(conn, attempt) for _, attempt in batch]
    admitted = [new for (new, _), verdict in zip(batch, verdicts, strict=True) if not verdict]
    stored = iter(await write_leads(conn, admitted) if admitted else [])
    return [verdict or next(stored) for verdict in verdicts]
