"""Sign-in attempt rows when several instances share one database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from leadform.storage import open_database
from leadform.storage.staff import (
    ClearFailures,
    SignInClaim,
    clear_failures,
    recent_failures,
    record_sign_in_attempt,
)

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
KEYS = ("account-key", "address-key")


async def record(
    conn: aiosqlite.Connection, claims: Sequence[SignInClaim]
) -> list[tuple[int, ...]]:
    return [await record_sign_in_attempt(conn, item) for item in claims]


def claim(seconds: int) -> SignInClaim:
    at = NOW + timedelta(seconds=seconds)
    return SignInClaim(KEYS, at, at - timedelta(minutes=30))


async def test_a_success_keeps_the_attempts_claimed_after_it(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "leads.db")
    try:
        await db.writer.submit(record, claim(0))  # an earlier failure
        success = await db.writer.submit(record, claim(1))
        # Another instance claims an attempt while the success checks its password.
        await db.writer.submit(record, claim(2))
        await db.writer.submit(clear_failures, ClearFailures(KEYS, max(success)))
        left = await recent_failures(db.reader, KEYS, NOW - timedelta(minutes=30))
    finally:
        await db.close()
    expected = [NOW + timedelta(seconds=2)]
    assert left == {"account-key": expected, "address-key": expected}
