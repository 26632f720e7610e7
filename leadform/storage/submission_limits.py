"""Rate-limit counts: checked and recorded inside the writer's transaction.

Checking and recording happen in the same BEGIN IMMEDIATE transaction as the lead's
insert, so concurrent requests, even from other instances on this database, cannot
both slip under a limit, and a limited lead costs no commit of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from leadform.domain.leads import NewLead, StoredLead
from leadform.domain.submission_limits import (
    OverLimit,
    SubmissionAttempt,
    longest_window,
    retry_after,
)
from leadform.storage.leads import write_leads

_RECORD = "INSERT INTO rate_hits (key, token_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
_PRUNE = "DELETE FROM rate_hits WHERE at <= ?"


def _state_query(key_count: int, limit_count: int) -> str:
    """One statement for all keys of an attempt: per key, whether this token was
    admitted already, and for each limit the count-th most recent hit inside its
    window (an index walk of `count` rows, however busy the key)."""
    # Only parameter names are generated; every value is bound.
    keys = ", ".join(f"(:key{k})" for k in range(key_count))
    nth = [
        f"(SELECT at FROM rate_hits h WHERE h.key = keys.key AND h.at > :since{i} "  # noqa: S608
        f"ORDER BY h.at DESC LIMIT 1 OFFSET :skip{i})"
        for i in range(limit_count)
    ]
    seen = "EXISTS (SELECT 1 FROM rate_hits h WHERE h.key = keys.key AND h.token_id = :token)"
    columns = ", ".join([seen, *nth])
    return f"WITH keys (key) AS (VALUES {keys}) SELECT {columns} FROM keys"  # noqa: S608


async def admit(conn: aiosqlite.Connection, attempt: SubmissionAttempt) -> OverLimit | None:
    """Record the attempt under every key, or refuse it (recording nothing)."""
    now = attempt.at.timestamp()
    params: dict[str, object] = {"token": attempt.token_id}
    params |= {f"key{k}": key for k, key in enumerate(attempt.keys)}
    for i, limit in enumerate(attempt.limits):
        params |= {f"since{i}": now - limit.seconds, f"skip{i}": limit.count - 1}
    query = _state_query(len(attempt.keys), len(attempt.limits))
    async with conn.execute(query, params) as cursor:
        rows = await cursor.fetchall()
    waits = [
        wait
        for seen, *nth_latest in rows
        # a token admitted before is a resubmission of the same form: never refused
        if not seen and (wait := retry_after(nth_latest, attempt.limits, now)) is not None
    ]
    if waits:
        return OverLimit(max(waits))
    await conn.executemany(_RECORD, [(key, attempt.token_id, now) for key in attempt.keys])
    return None


async def _prune(conn: aiosqlite.Connection, attempts: Sequence[SubmissionAttempt]) -> None:
    oldest_needed = min(a.at.timestamp() - longest_window(a.limits) for a in attempts)
    await conn.execute(_PRUNE, (oldest_needed,))


async def record_submission_attempts(
    conn: aiosqlite.Connection, batch: Sequence[SubmissionAttempt]
) -> list[OverLimit | None]:
    """Count attempts that store nothing (a filled honeypot) like real ones."""
    await _prune(conn, batch)
    return [await admit(conn, attempt) for attempt in batch]


async def write_leads_within_limits(
    conn: aiosqlite.Connection, batch: Sequence[tuple[NewLead, SubmissionAttempt]]
) -> list[StoredLead | OverLimit]:
    """Store each lead whose attempt fits the limits; answer the rest with the wait."""
    await _prune(conn, [attempt for _, attempt in batch])
    verdicts = [await admit(conn, attempt) for _, attempt in batch]
    admitted = [new for (new, _), verdict in zip(batch, verdicts, strict=True) if not verdict]
    stored = iter(await write_leads(conn, admitted) if admitted else [])
    return [verdict or next(stored) for verdict in verdicts]
