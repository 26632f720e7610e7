"""A database holding one person's data in every place it can reach: leads, their
consent wording, outbox rows, rate-limit rows, an export that searched for them; and
the scans that prove an erasure left none of it behind."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from leadform.config import PostgresUrl
from leadform.domain.leads import ConsentWording, LeadInput, NewLead
from leadform.domain.notifications import NotificationTarget
from leadform.domain.submission_limits import SubmissionAttempt, parse_rate_limits
from leadform.storage import Database
from leadform.storage.export_audit import NewExport, start_export
from tests.conftest import DEFAULT_NOW
from tests.databases import query

NAME = "陳美玲"
PHONE = "+85298765432"
LOCAL_PHONE = "98765432"
EMAIL_ADDRESS = "mei.ling.chan@example.com"
OTHER_NAME = "Wong Siu Ming"
OTHER_PHONE = "+85261234567"
HOOK = NotificationTarget("webhook", "http://127.0.0.1:9/hook")


def person_lead(
    token_id: str,
    *,
    name: str = NAME,
    phone: str = PHONE,
    email: str = EMAIL_ADDRESS,
    at: datetime = DEFAULT_NOW,
    locale: str = "zh-Hant-HK",
    notify: tuple[NotificationTarget, ...] = (HOOK,),
) -> NewLead:
    return NewLead(
        lead=LeadInput(name, phone, email, "milia", date(2026, 12, 1), True),
        token_id=token_id,
        created_at=at,
        locale=locale,
        consent=ConsentWording(locale, f"I agree ({locale})"),
        ip="203.0.113.9",
        user_agent="Mozilla/5.0 test",
        notify=notify,
    )


async def store(db: Database, new: NewLead) -> None:
    """Stored as the form stores it: within the rate limits, so rate rows exist too."""
    keys = (f"ip-key-{new.token_id}", f"phone-key-{new.token_id}")
    attempt = SubmissionAttempt(keys, new.token_id, new.created_at, parse_rate_limits("1000/day"))
    await db.save_lead_within_limits(new, attempt)


async def fill(db: Database) -> None:
    """Two leads of the person (one in each language), one of someone else, and an
    export whose search was the person's phone number."""
    await store(db, person_lead("p1"))
    await store(db, person_lead("p2", email=EMAIL_ADDRESS.upper(), locale="en"))
    await store(db, person_lead("o1", name=OTHER_NAME, phone=OTHER_PHONE, email=""))
    export = NewExport(
        started_at=DEFAULT_NOW + timedelta(minutes=5),
        actor="sales@example.com",
        actor_kind="staff",
        staff_id=None,
        api_token_id=None,
        format="csv",
        filters='{"q": "9876 5432"}',
        after_id=0,
        upto_id=3,
    )
    await db.writer.submit(start_export, export)


IDENTIFIERS = (NAME, PHONE, LOCAL_PHONE, EMAIL_ADDRESS, EMAIL_ADDRESS.upper())


def cells_holding(target: Path | PostgresUrl, needle: str) -> list[str]:
    """Every table.column whose value contains `needle` (every column of every table),
    on either engine."""
    if isinstance(target, PostgresUrl):
        columns_sql = (
            "SELECT table_name AS t, column_name AS c FROM information_schema.columns "
            "WHERE table_schema = 'public'"
        )
        contains = "strpos"
    else:
        columns_sql = (
            "SELECT m.name AS t, p.name AS c FROM sqlite_schema AS m, "
            "pragma_table_info(m.name) AS p WHERE m.type = 'table'"
        )
        contains = "instr"
    columns = [(r["t"], r["c"]) for r in query(target, columns_sql)]
    probes = [
        f"SELECT '{t}.{c}' AS cell WHERE EXISTS "
        f'(SELECT 1 FROM "{t}" WHERE {contains}(CAST("{c}" AS TEXT), ?) > 0)'
        for t, c in columns
    ]
    found = query(target, " UNION ALL ".join(probes), *[needle] * len(probes))
    return sorted(r["cell"] for r in found)


def raw_bytes(path: Path) -> bytes:
    """The database file and its WAL (if any), as they are on disk."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
