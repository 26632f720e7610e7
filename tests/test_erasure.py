"""Erasure: every lead of the person goes, with everything that hangs on them (on both
engines), and not one byte of them stays in the SQLite file or its WAL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from leadform.config import PostgresUrl
from leadform.domain.actors import Actor
from leadform.domain.notifications import NotificationTarget
from leadform.domain.subjects import Subject, subject_hash
from leadform.notifications import delivery
from leadform.notifications.delivery import Deliverer
from leadform.notifications.webhook import WebhookSender, webhook_client
from leadform.privacy.erasure import erase_subject, preview_erasure
from leadform.registration.subjects import read_subject
from leadform.storage import Database, open_database
from leadform.storage.erasure import list_erasures
from tests.conftest import DEFAULT_NOW, ROOT, FakeClock
from tests.databases import rows
from tests.factories import ensure_schema, insert_leads, lead
from tests.peers import SECRET, Receiver, serving
from tests.privacy_support import (
    EMAIL_ADDRESS,
    IDENTIFIERS,
    NAME,
    OTHER_NAME,
    OTHER_PHONE,
    PHONE,
    cells_holding,
    fill,
    person_lead,
    raw_bytes,
    store,
)
from tests.servers import free_port
from tests.test_cli_admin import database as cli_database
from tests.test_cli_admin import leadform

pytestmark = pytest.mark.anyio

ZONE = ZoneInfo("Asia/Hong_Kong")
KEY = "erasure-test-secret-" + "e" * 32  # LEADFORM_SECRET_KEY needs 32 characters
DAY = timedelta(hours=24)
ADMIN = Actor("staff", "dpo@example.com", staff_id=1)


@pytest.fixture
async def db(database: Path | PostgresUrl) -> AsyncIterator[Database]:
    opened = await open_database(database)  # every test here on both engines
    yield opened
    await opened.close()


def cli_env(tmp_path: Path) -> dict[str, str]:
    return {
        "LEADFORM_DATABASE": str(tmp_path / "cli.db"),
        "LEADFORM_SECRET_KEY": KEY,
        "LEADFORM_LOCALES_DIR": str(ROOT / "locales"),
    }


async def erase(db: Database, subject: Subject) -> int:
    erased = await erase_subject(db, KEY, subject, ADMIN, DEFAULT_NOW, ZONE)
    return erased.receipt.lead_count


@pytest.mark.parametrize(
    ("kind", "typed"),
    [
        ("phone", "9876 5432"),
        ("phone", "+852 9876 5432"),
        ("phone", "９８７６ ５４３２"),  # full-width digits from a Chinese input method
        ("phone", "(852) 9876-5432"),
        ("email", "Mei.Ling.Chan@EXAMPLE.com"),
    ],
)
async def test_a_person_is_found_by_any_form_of_their_identifier(
    db: Database, kind: str, typed: str
) -> None:
    await fill(db)
    subject = read_subject(kind, typed)
    assert isinstance(subject, Subject)
    plan = await preview_erasure(db, KEY, subject, ZONE)
    assert [lead.name for lead in plan.leads] == [NAME, NAME]


async def test_a_reference_erases_every_lead_with_its_phone(
    db: Database, database: Path | PostgresUrl
) -> None:
    await fill(db)
    [row] = await rows(database, "SELECT reference FROM leads WHERE id = 1")
    reference = row["reference"]
    assert await erase(db, Subject("reference", reference)) == 2


@pytest.mark.parametrize("subject", [Subject("phone", PHONE), Subject("email", EMAIL_ADDRESS)])
async def test_erasure_leaves_the_identifiers_in_no_column_of_any_table(
    db: Database, database: Path | PostgresUrl, subject: Subject
) -> None:
    await fill(db)
    assert cells_holding(database, NAME) == ["leads.name"]  # the scan finds what is there
    assert await erase(db, subject) == 2
    for identifier in IDENTIFIERS:
        assert cells_holding(database, identifier) == [], identifier
    assert cells_holding(database, OTHER_NAME) == ["leads.name"]  # only the person went


async def test_the_outbox_and_rate_limit_rows_go_with_the_leads(
    db: Database, database: Path | PostgresUrl
) -> None:
    await fill(db)
    await erase(db, Subject("phone", PHONE))
    assert len(await rows(database, "SELECT id FROM notifications")) == 1
    tokens = {row["token_id"] for row in await rows(database, "SELECT token_id FROM rate_hits")}
    assert tokens == {"o1"}


async def test_no_byte_of_the_person_is_left_in_the_database_file_or_its_wal(
    tmp_path: Path,
) -> None:
    path = tmp_path / "leads.db"  # a SQLite file's bytes: PostgreSQL has no secure_delete
    db = await open_database(path)
    try:
        await check_no_byte_is_left(db, path)
    finally:
        await db.close()


async def check_no_byte_is_left(db: Database, path: Path) -> None:
    await fill(db)
    await db.checkpoint()  # the leads are in the main file now ...
    await store(db, person_lead("p3", at=DEFAULT_NOW))  # ... and in the WAL as well
    before = raw_bytes(path)
    needles = [identifier.encode("utf-8") for identifier in IDENTIFIERS]
    assert all(needle in before for needle in needles)
    await erase(db, Subject("phone", PHONE))
    after = raw_bytes(path)
    assert [needle for needle in needles if needle in after] == []
    assert OTHER_NAME.encode() in after and OTHER_PHONE.encode() in after


async def test_the_receipt_keeps_a_keyed_hash_and_the_exports_that_held_the_leads(
    db: Database,
) -> None:
    await fill(db)
    subject = Subject("phone", PHONE)
    erased = await erase_subject(db, KEY, subject, ADMIN, DEFAULT_NOW, ZONE)
    [record] = await list_erasures(db.reader)
    assert (record.actor, record.identifier_kind, record.lead_count) == (
        "dpo@example.com",
        "phone",
        2,
    )
    assert [e.record.id for e in erased.receipt.exports] == [1]
    assert record.export_ids == (1,)
    again = await preview_erasure(db, KEY, subject, ZONE)
    assert [e.lead_count for e in again.earlier] == [2]  # a repeated request is recognised
    assert again.leads == []
    assert subject_hash(KEY, subject) != subject_hash("another key", subject)


async def test_the_export_log_keeps_the_export_but_not_a_search_for_the_person(
    db: Database, database: Path | PostgresUrl
) -> None:
    await fill(db)
    await erase(db, Subject("email", EMAIL_ADDRESS))
    exports = await rows(database, "SELECT filters, upto_id FROM exports")
    assert exports == [{"filters": '{"q": "[erased]"}', "upto_id": 3}]


async def test_a_notification_claimed_before_the_erasure_is_never_delivered(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    hook = NotificationTarget("webhook", f"http://127.0.0.1:{port}/hook")
    await store(db, person_lead("p1", notify=(hook,)))
    real_get_lead = delivery.get_lead

    async def erased_meanwhile(conn: object, lead_id: int) -> object:
        await erase(db, Subject("phone", PHONE))  # lands between the claim and the send
        return await real_get_lead(conn, lead_id)  # type: ignore[arg-type]

    monkeypatch.setattr(delivery, "get_lead", erased_meanwhile)
    receiver = Receiver(now=lambda: int(clock().timestamp()))
    sender = WebhookSender(SECRET, ZONE, clock, webhook_client())
    deliverer = Deliverer(db, {"webhook": sender}, clock, give_up_after=DAY, random=lambda: 0.0)
    async with serving(receiver, port):
        assert await deliverer.deliver_due() == 1  # claimed and attempted
    await deliverer.stop()
    assert receiver.received == []


async def test_a_pending_notification_of_an_erased_lead_is_never_claimed(
    db: Database, clock: FakeClock
) -> None:
    await store(db, person_lead("p1"))
    await erase(db, Subject("phone", PHONE))
    sender = WebhookSender(SECRET, ZONE, clock, webhook_client())
    deliverer = Deliverer(db, {"webhook": sender}, clock, give_up_after=DAY, random=lambda: 0.0)
    assert await deliverer.deliver_due() == 0
    await deliverer.stop()


def test_the_erase_command_dry_run_changes_nothing_then_erases(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    ensure_schema(cli_database(env))
    insert_leads(cli_database(env), [lead(name=NAME, phone=PHONE), lead(name=OTHER_NAME)])
    dry = leadform(env, "erase", "--phone", "9876 5432", "--dry-run")
    assert dry.returncode == 0
    assert dry.stdout.startswith("would erase 1 lead(s):\n") and NAME in dry.stdout
    assert cells_holding(cli_database(env), NAME) == ["leads.name"]
    done = leadform(env, "erase", "--phone", "+852 9876 5432")
    assert (done.returncode, done.stdout) == (0, "erased 1 lead(s); receipt #1\n")
    assert cells_holding(cli_database(env), NAME) == []
    assert NAME not in done.stderr and PHONE not in done.stderr  # the log line has counts only


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--phone", "12"), "--phone: Enter a valid phone number"),
        (("--email", "not-an-email"), "--email: Enter a valid email address"),
        (("--reference", "ABC"), "--reference: Enter a reference of 8 letters"),
    ],
)
def test_the_erase_command_refuses_an_identifier_the_form_would_refuse(
    tmp_path: Path, args: tuple[str, str], message: str
) -> None:
    env = cli_env(tmp_path)
    result = leadform(env, "erase", *args)
    assert result.returncode == 2
    assert result.stderr.startswith(f"leadform: {message}")
    assert result.stderr.count("\n") == 1
