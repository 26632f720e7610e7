"""The storage contract on both engines, and what only PostgreSQL needs proved:
instances writing side by side, a commit-ordered export cursor, a lost server."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from leadform.config import PostgresUrl
from leadform.domain.lead_filters import LeadFilter
from leadform.domain.leads import ConsentWording
from leadform.domain.submission_limits import OverLimit, RateLimit, SubmissionAttempt
from leadform.storage import StorageError, open_database
from leadform.storage.api_tokens import (
    NewApiToken,
    Revoke,
    add_token,
    find_active_token,
    revoke_token,
)
from leadform.storage.database import migrations
from leadform.storage.export_audit import (
    FinishedExport,
    NewExport,
    finish_export,
    last_complete_export,
    start_export,
)
from leadform.storage.lead_queries import LeadQuery, browse_leads
from leadform.storage.leads import write_leads
from leadform.storage.postgresql import PgConnection
from leadform.storage.staff import (
    ClaimedSignIn,
    NewSession,
    NewStaff,
    SignInClaim,
    add_session,
    add_staff,
    claim_sign_in,
    session_staff,
)
from tests.databases import rows
from tests.outbox_support import new_lead

pytestmark = pytest.mark.anyio

Target = Path | PostgresUrl
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def all_leads() -> LeadQuery:
    from leadform.domain.lead_filters import UtcRange

    return LeadQuery(LeadFilter(), UtcRange(None, None))


def test_both_engines_have_the_same_migration_numbers() -> None:
    sqlite = [m.version for m in migrations("sqlite")]
    assert sqlite == [m.version for m in migrations("postgresql")]
    assert sqlite == list(range(1, len(sqlite) + 1))


async def test_a_token_stored_twice_keeps_its_first_lead_and_one_wording(database: Target) -> None:
    db = await open_database(database)
    try:
        saved = await asyncio.gather(*(db.save_lead(new_lead(f"t{i % 3}")) for i in range(30)))
    finally:
        await db.close()
    assert len({s.reference for s in saved}) == 3
    assert len(await rows(database, "SELECT id FROM leads")) == 3
    assert len(await rows(database, "SELECT hash FROM consent_wordings")) == 1


async def test_a_rate_limit_of_n_admits_n_across_two_instances(database: Target) -> None:
    one, two = await open_database(database), await open_database(database)
    limits = (RateLimit(5, 60),)
    try:
        results = await asyncio.gather(
            *(
                db.save_lead_within_limits(
                    new_lead(f"t{i}"), SubmissionAttempt(("same-address",), f"t{i}", NOW, limits)
                )
                for i in range(20)
                for db in [(one, two)[i % 2]]
            )
        )
    finally:
        await one.close()
        await two.close()
    assert sum(not isinstance(r, OverLimit) for r in results) == 5
    assert len(await rows(database, "SELECT id FROM leads")) == 5


async def test_sign_in_claims_on_two_instances_count_every_try(database: Target) -> None:
    one, two = await open_database(database), await open_database(database)
    claim = SignInClaim(("account",), NOW, NOW - timedelta(minutes=30))
    try:
        results: list[ClaimedSignIn] = await asyncio.gather(
            *(db.writer.submit(claim_sign_in, claim) for _ in range(10) for db in (one, two))
        )
    finally:
        await one.close()
        await two.close()
    # Each claim is recorded (as a failure until it succeeds) before the next is
    # checked, so the throttle's limit stops the later ones whichever instance asks.
    admitted = [r for r in results if r.attempt_ids]
    assert 0 < len(admitted) < 20
    assert len(await rows(database, "SELECT id FROM login_attempts")) == len(admitted)


async def test_staff_sessions_tokens_and_the_export_audit_round_trip(database: Target) -> None:
    db = await open_database(database)
    try:
        assert await db.writer.submit(add_staff, NewStaff("a@clinic.example", "hash", NOW))
        assert not await db.writer.submit(add_staff, NewStaff("a@clinic.example", "h2", NOW))
        [member] = await rows(database, "SELECT id FROM staff")
        later = NOW + timedelta(hours=1)
        await db.writer.submit(add_session, NewSession("s1", member["id"], NOW, later))
        staff = await session_staff(db.reader, "s1", NOW)
        token = NewApiToken("crm", "pub1", "secret-hash", NOW)
        assert await db.writer.submit(add_token, token)
        found = await find_active_token(db.reader, "pub1")
        assert await db.writer.submit(revoke_token, Revoke("crm", NOW))
        gone = await find_active_token(db.reader, "pub1")
        new = NewExport(NOW, "a@clinic.example", "staff", member["id"], None, "csv", "{}", 0, 7)
        export_id = await db.writer.submit(start_export, new)
        await db.writer.submit(finish_export, FinishedExport(export_id, later, 7, True))
        record = await last_complete_export(db.reader, member["id"])
    finally:
        await db.close()
    assert staff is not None and staff.email == "a@clinic.example"
    assert found is not None and found.name == "crm" and gone is None
    assert record is not None and (record.upto_id, record.row_count) == (7, 7)


async def test_a_search_ignores_case_on_both_engines(database: Target) -> None:
    db = await open_database(database)
    try:
        stored = await db.save_lead(new_lead("t1"))
        query = LeadQuery(
            replace(LeadFilter(), query=stored.reference.lower()), all_leads().submitted
        )
        found = await browse_leads(db.reader, query, None, 10)
    finally:
        await db.close()
    assert [lead.reference for lead in found] == [stored.reference]


async def test_a_lead_committed_after_a_larger_id_is_not_skipped_by_the_export(
    database: Target,
) -> None:
    """A takes id 1, B takes id 2 and commits, an export starts, then A commits: the
    export's cursor must not pass lead 1 by."""
    if not isinstance(database, PostgresUrl):
        pytest.skip("SQLite's single writer gives ids in commit order")
    db = await open_database(database)
    slow = await asyncpg.connect(database.url)
    try:
        transaction = slow.transaction()
        await transaction.start()
        await write_leads(PgConnection(slow), [new_lead("a")])  # id 1, not committed
        # another wording: the same one would wait for A's row of it
        other = ConsentWording("en", "I agree too")
        async with asyncio.timeout(10):
            await db.save_lead(replace(new_lead("b"), consent=other))  # id 2, committed
        reader = await db.export_reader()
        cursor = asyncio.ensure_future(asyncio.to_thread(reader.last_id))
        await asyncio.sleep(0.3)
        assert not cursor.done(), "the cursor was fixed while lead 1 could still commit"
        await transaction.commit()
        async with asyncio.timeout(10):
            upto = await cursor
        chunk = await asyncio.to_thread(reader.chunk, all_leads(), 0, upto, 100)
    finally:
        await slow.close()
        await db.close()
    assert upto == 2
    assert [lead.id for lead in chunk] == [1, 2]


async def test_a_lost_connection_is_at_worst_a_storage_error_and_the_pool_recovers(
    database: Target,
) -> None:
    if not isinstance(database, PostgresUrl):
        pytest.skip("only a server can drop its connections")
    db = await open_database(database)
    try:
        await db.save_lead(new_lead("t1"))
        await rows(
            database,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        for i in range(5):  # a write either succeeds on a fresh connection or is a 503
            with contextlib.suppress(StorageError):
                await db.save_lead(new_lead(f"x{i}"))
        for _ in range(50):  # reconnects on its own, without reopening the database
            if await db.ping():
                break
            await asyncio.sleep(0.1)
        again = await db.save_lead(new_lead("t2"))
    finally:
        await db.close()
    assert again.token_id == "t2"


async def test_a_postgresql_schema_from_a_newer_leadform_is_refused(database: Target) -> None:
    if not isinstance(database, PostgresUrl):
        pytest.skip("the SQLite case is in test_storage.py")
    db = await open_database(database)
    await db.close()
    await rows(database, "UPDATE leadform_schema SET version = 999")
    with pytest.raises(StorageError, match="newer than this leadform knows"):
        await open_database(database)


async def test_instances_starting_at_once_migrate_once(database: Target) -> None:
    opened = await asyncio.gather(*(open_database(database) for _ in range(4)))
    for db in opened:
        await db.close()
    if isinstance(database, PostgresUrl):
        [row] = await rows(database, "SELECT version FROM leadform_schema")
        assert row["version"] == migrations("postgresql")[-1].version


async def test_an_unreachable_server_is_one_line_naming_it() -> None:
    url = PostgresUrl("postgresql://root:secret@127.0.0.1:1/leads")
    with pytest.raises(StorageError) as raised:
        await open_database(url)
    message = str(raised.value)
    assert "cannot connect to postgresql://root:***@127.0.0.1:1/leads" in message
    assert "secret" not in message and "\n" not in message
