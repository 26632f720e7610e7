"""Leads, staff and tokens written straight into a test database."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from leadform.config import PostgresUrl
from leadform.domain.leads import Attribution, Lead
from leadform.staff.api_tokens import new_token
from leadform.staff.passwords import hash_password
from leadform.storage import open_database
from leadform.storage.database import migrations, split_statements
from tests.conftest import A_BOOKABLE_DAY
from tests.databases import apart, write

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@cache
def password_hash() -> str:
    """argon2 is slow on purpose: hash the test password once per run."""
    return hash_password(PASSWORD)


def ensure_schema(target: Path | PostgresUrl) -> None:
    """Migrate a database no app has opened yet (for tests without a client)."""
    if isinstance(target, PostgresUrl):

        async def migrate() -> None:
            await (await open_database(target)).close()

        apart(migrate())
        return
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA journal_mode = WAL")
        if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
            for migration in migrations():
                for statement in split_statements(migration.sql):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {migrations()[-1].version}")
    finally:
        conn.close()


def lead(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    created = overrides.pop("created_at", datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    values: dict[str, Any] = {
        "reference": f"REF{n:05d}",
        "token_id": f"token-{n}",
        "created_at": created.astimezone(UTC)
        .isoformat(timespec="microseconds")
        .replace("+00:00", "Z"),
        "locale": "en",
        "name": f"Lead {n}",
        "phone": "+85291234567",
        "email": f"lead{n}@example.com",
        "treatment": "acne",
        "preferred_date": A_BOOKABLE_DAY,
        "consent_terms_at": "2026-11-25T02:00:00.000000Z",
        "consent_marketing": 0,
        "consent_wording_hash": "test-wording",
        "ip": "203.0.113.1",
        "user_agent": "test",
    }
    values.update(overrides)
    return values


def insert_leads(target: Path | PostgresUrl, leads: Iterable[dict[str, Any]]) -> list[int]:
    """Insert leads in one transaction; returns their ids."""
    statements: list[tuple[str, Sequence[Any]]] = [
        (
            "INSERT INTO consent_wordings VALUES ('test-wording', 'en', 'I agree', "
            "'2026-11-25T02:00:00Z') ON CONFLICT DO NOTHING",
            (),
        )
    ]
    for row in leads:
        columns = ", ".join(row)
        marks = ", ".join("?" * len(row))
        sql = f"INSERT INTO leads ({columns}) VALUES ({marks}) RETURNING id"
        statements.append((sql, list(row.values())))
    return [int(i) for i in write(target, statements)[1:]]


def add_staff(
    target: Path | PostgresUrl,
    email: str = "sales@example.com",
    *,
    disabled: bool = False,
    admin: bool = False,
) -> int:
    now = "2026-11-01T00:00:00.000000Z"
    sql = (
        "INSERT INTO staff (email, password_hash, created_at, password_changed_at, "
        "disabled_at, admin) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"
    )
    params = (email, password_hash(), now, now, now if disabled else None, int(admin))
    [staff_id] = write(target, [(sql, params)])
    return int(staff_id)


def add_token(target: Path | PostgresUrl, name: str = "crm-sync") -> str:
    token = new_token()
    sql = "INSERT INTO api_tokens (name, public_id, secret_hash, created_at) VALUES (?, ?, ?, ?)"
    params = (name, token.public_id, token.secret_hash, "2026-11-01T00:00:00.000000Z")
    write(target, [(sql, params)])
    return token.token


def days_ago(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


DEFAULT_LEAD = Lead(
    id=1,
    reference="ABCD2345",
    created_at=datetime(2026, 11, 26, 16, 30, tzinfo=UTC),
    locale="zh-Hant-HK",
    name="陳大文",
    phone="+85291234567",
    email="",
    treatment="milia",
    preferred_date=date(2026, 12, 1),
    consent_marketing=True,
    attribution=Attribution(),
)


def lead_record(**overrides: Any) -> Lead:
    """A stored lead as the domain sees it (no database), with the given changes."""
    return replace(DEFAULT_LEAD, **overrides)
