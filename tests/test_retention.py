"""Retention: leads older than LEADFORM_RETENTION_DAYS go, counted in the clinic's
days (Hong Kong midnight, not UTC's); one instance at a time runs the daily job."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from leadform.config import PostgresUrl, Settings
from leadform.privacy.retention import (
    JOB,
    START_DELAY,
    RetentionJob,
    cutoff_day,
    next_purge,
    purge,
)
from leadform.storage import Database, open_database
from tests.conftest import DEFAULT_NOW, FakeClock, sign_in
from tests.databases import on_engine, query, write
from tests.factories import add_staff, ensure_schema, insert_leads, lead
from tests.privacy_support import NAME, OTHER_NAME, OTHER_PHONE, person_lead, store
from tests.test_cli_admin import database as cli_database
from tests.test_cli_admin import leadform
from tests.test_erasure import cli_env

pytestmark = pytest.mark.anyio

HKT = ZoneInfo("Asia/Hong_Kong")


Target = Path | PostgresUrl


def values(target: Target, sql: str) -> list[tuple[object, ...]]:
    return [tuple(row.values()) for row in query(target, sql)]


def hkt(*args: int) -> datetime:
    return datetime(*args, tzinfo=HKT)  # type: ignore[misc]


@pytest.fixture
def environ(environ: dict[str, str], database: Target) -> dict[str, str]:
    return on_engine(environ, database)  # the staff page on both engines too


@pytest.fixture
async def db(database: Target) -> AsyncIterator[Database]:
    opened = await open_database(database)  # every test here on both engines
    yield opened
    await opened.close()


def lead_names(target: Target) -> list[str]:
    return [row["name"] for row in query(target, "SELECT name FROM leads ORDER BY id")]


@pytest.mark.parametrize(
    ("now", "submitted", "kept"),
    [
        # 730 days before Thursday 26 Nov 2026 is 26 Nov 2024 (2024 was a leap year)
        (hkt(2026, 11, 26, 10, 0), hkt(2024, 11, 26, 0, 0), True),
        (hkt(2026, 11, 26, 10, 0), hkt(2024, 11, 25, 23, 59, 59), False),
        # 00:30 in Hong Kong is still the previous day in UTC: the clinic's day counts
        (hkt(2026, 11, 26, 0, 30), hkt(2024, 11, 25, 23, 30), False),
        (hkt(2026, 11, 25, 23, 59), hkt(2024, 11, 25, 0, 0), True),
        (hkt(2026, 11, 25, 23, 59), hkt(2024, 11, 24, 23, 59), False),
        # a lead at 07:30 HKT on 26 Nov 2024 is 25 Nov in UTC, still kept
        (hkt(2026, 11, 26, 0, 0), hkt(2024, 11, 26, 7, 30), True),
    ],
)
async def test_leads_older_than_the_retention_in_clinic_days_are_deleted(
    db: Database, database: Target, now: datetime, submitted: datetime, kept: bool
) -> None:
    insert_leads(
        database, [lead(name="edge", created_at=submitted), lead(name="new", created_at=now)]
    )
    purged = await purge(db, now.astimezone(UTC), HKT, 730, "command")
    assert purged.removed.leads == (0 if kept else 1)
    assert lead_names(database) == (["edge", "new"] if kept else ["new"])


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (hkt(2026, 11, 26, 0, 0), "2026-11-16"),
        (hkt(2026, 11, 25, 23, 59, 59), "2026-11-15"),
    ],
)
def test_the_cutoff_is_the_clinics_today_minus_the_days(now: datetime, expected: str) -> None:
    assert cutoff_day(now.astimezone(UTC), HKT, 10).isoformat() == expected


async def test_a_purge_takes_outbox_and_rate_rows_and_unused_wordings_and_keeps_export_rows(
    db: Database, database: Target
) -> None:
    old = DEFAULT_NOW - timedelta(days=800)
    await store(db, person_lead("old", at=old, locale="en"))
    await store(db, person_lead("new", name=OTHER_NAME, phone=OTHER_PHONE, locale="zh-Hant-HK"))
    sql = (
        "INSERT INTO exports (started_at, actor, actor_kind, format, filters, after_id, "
        "upto_id, row_count, status) VALUES ('2024-01-01', 'a', 'staff', 'csv', '{}', 0, 2, "
        "2, 'complete')"
    )
    write(database, [(sql, ())])
    purged = await purge(db, DEFAULT_NOW, HKT, 730, "schedule")
    assert (purged.removed.leads, purged.removed.notifications) == (1, 1)
    assert purged.removed.consent_wordings == 1
    assert values(database, "SELECT token_id FROM rate_hits") == [("new",), ("new",)]
    assert values(database, "SELECT locale FROM consent_wordings") == [("zh-Hant-HK",)]
    assert values(database, "SELECT row_count FROM exports") == [(2,)]
    record = values(
        database,
        "SELECT cutoff_day, actor_kind, leads, notifications, rate_hits, consent_wordings "
        "FROM purges",
    )
    assert record == [("2024-11-26", "schedule", 1, 1, purged.removed.rate_hits, 1)]


async def test_a_purge_logs_one_line_with_counts_and_no_personal_data(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await store(db, person_lead("old", at=DEFAULT_NOW - timedelta(days=800)))
    with caplog.at_level(logging.INFO, logger="leadform.privacy"):
        await purge(db, DEFAULT_NOW, HKT, 730, "command")
    [line] = [r.getMessage() for r in caplog.records if r.name == "leadform.privacy"]
    assert "before 2024-11-26" in line and "1 lead(s)" in line
    assert NAME not in line and "98765432" not in line


async def test_only_one_of_two_instances_runs_the_daily_purge(
    db: Database, database: Target, clock: FakeClock
) -> None:
    second = await open_database(database)
    try:
        jobs = [RetentionJob(db, clock, HKT, 730), RetentionJob(second, clock, HKT, 730)]
        results = [await job.run_once() for job in jobs]
        assert [result is not None for result in results] == [True, False]
        assert await jobs[0].run_once() is None  # once a clinic day
        clock.now = clock.now + timedelta(days=1)
        assert await jobs[1].run_once() is not None  # the next day, whoever is first
    finally:
        await second.close()
    assert len(query(database, "SELECT id FROM purges")) == 2


def test_the_next_purge_is_now_when_due_and_else_the_clinics_next_midnight() -> None:
    now = hkt(2026, 11, 26, 10, 0).astimezone(UTC)
    assert next_purge(now, HKT, None) == now
    assert next_purge(now, HKT, now.astimezone(HKT).date()) == hkt(2026, 11, 27, 0, 0)


async def test_the_admin_page_shows_the_setting_and_when_the_next_purge_runs(
    client: httpx.AsyncClient, settings: Settings, clock: FakeClock
) -> None:
    add_staff(settings.database, "dpo@example.com", admin=True)
    assert (await sign_in(client, "dpo@example.com")).status_code == 303
    page = await client.get("/admin/personal-data")
    assert 'data-retention-days="730"' in page.text
    assert "Next purge: Nov 26, 2026, 10:00" in page.text  # due: today's has not run
    sql = "INSERT INTO job_leases (name, last_day) VALUES (?, '2026-11-26')"
    write(settings.database, [(sql, (JOB,))])
    page = await client.get("/admin/personal-data")
    assert "Next purge: Nov 27, 2026, 00:00" in page.text


async def test_the_daily_job_waits_then_purges_then_sleeps_until_the_clinics_midnight(
    db: Database, database: Target, clock: FakeClock
) -> None:
    insert_leads(database, [lead(created_at=DEFAULT_NOW - timedelta(days=800))])
    slept: list[float] = []
    purged = asyncio.Event()

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            purged.set()
            await asyncio.Event().wait()  # the rest of the day

    job = RetentionJob(db, clock, HKT, 730, sleep=sleep)
    job.start()
    await asyncio.wait_for(purged.wait(), 10)
    await job.stop()
    assert slept == [START_DELAY, 3600]  # 10:00 HKT: the hourly check comes first
    assert lead_names(database) == []


def test_the_purge_command_counts_on_a_dry_run_then_deletes(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    ensure_schema(cli_database(env))
    long_ago = datetime.now(UTC) - timedelta(days=800)
    insert_leads(cli_database(env), [lead(created_at=long_ago), lead(created_at=datetime.now(UTC))])
    dry = leadform(env, "purge", "--dry-run")
    assert dry.returncode == 0 and dry.stdout.startswith("would delete 1 lead(s) submitted before")
    assert len(lead_names(cli_database(env))) == 2
    done = leadform(env, "purge")
    assert done.returncode == 0 and done.stdout.startswith("deleted 1 lead(s) submitted before")
    assert len(lead_names(cli_database(env))) == 1


def test_the_purge_command_refuses_when_everything_is_kept(tmp_path: Path) -> None:
    env = {**cli_env(tmp_path), "LEADFORM_RETENTION_DAYS": "0"}
    ensure_schema(cli_database(env))
    result = leadform(env, "purge")
    assert (result.returncode, result.stderr) == (
        1,
        "leadform: LEADFORM_RETENTION_DAYS is 0 (keep everything): nothing is purged\n",
    )
