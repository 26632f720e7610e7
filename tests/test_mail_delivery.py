"""Lead emails through a real SMTP server (aiosmtpd on 127.0.0.1): a plain relay,
STARTTLS with a password, and implicit TLS."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import trustme
from aiosmtpd.smtp import AuthResult, LoginPassword

from leadform.config import PostgresUrl, SmtpServer
from leadform.i18n.languages import load_languages
from leadform.notifications import mail
from leadform.notifications.delivery import Deliverer
from leadform.notifications.mail import MailSender
from leadform.storage import Database, open_database
from leadform.web.templating import create_environment
from tests.conftest import ROOT, FakeClock
from tests.outbox_support import NAME, drain, email, new_lead, outbox_rows
from tests.peers import Concurrency, Mailbox, smtp_server
from tests.servers import free_port

pytestmark = pytest.mark.anyio

SENDER = "Leadform 通知 <leads@clinic.example>"
TEAM = "team@clinic.example, nurse@clinic.example"


@pytest.fixture
async def db(database: Path | PostgresUrl) -> AsyncIterator[Database]:
    opened = await open_database(database)  # every test here on both engines
    yield opened
    await opened.close()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def make_deliverer(db: Database, clock: FakeClock) -> Callable[..., Deliverer]:
    staff = load_languages(ROOT / "locales", "en").match("zh-Hant-HK")
    assert staff is not None

    def make(server: SmtpServer, tls_context: ssl.SSLContext | None = None) -> Deliverer:
        sender = MailSender(
            server,
            SENDER,
            language=staff,
            zone=ZoneInfo("Asia/Hong_Kong"),
            env=create_environment(),
            clock=clock,
            tls_context=tls_context,
        )
        return Deliverer(
            db, {"email": sender}, clock, give_up_after=timedelta(hours=24), random=lambda: 0.0
        )

    return make


@contextmanager
def running(mailbox: Mailbox, port: int, **options: Any) -> Iterator[None]:
    controller = smtp_server(mailbox, port, **options)
    controller.start()
    try:
        yield
    finally:
        controller.stop()


def accept(user: str, password: str) -> Callable[..., AuthResult]:
    def authenticator(*args: Any) -> AuthResult:
        data = args[-1]
        expected = (user.encode(), password.encode())
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == expected
        return AuthResult(success=ok)

    return authenticator


async def test_relay_receives_one_message_for_all_recipients_with_chinese_intact(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    clock: FakeClock,
    database: Path | PostgresUrl,
) -> None:
    port, mailbox = free_port(), Mailbox()
    await db.save_lead(new_lead("t1", email(TEAM)))
    deliverer = make_deliverer(SmtpServer("127.0.0.1", port, "none"))
    with running(mailbox, port):
        await drain(deliverer, db, clock)
    await deliverer.stop()
    [(envelope, message)] = mailbox.messages
    [row] = outbox_rows(database)
    assert row["status"] == "delivered"
    assert envelope.mail_from == "leads@clinic.example"
    assert envelope.rcpt_tos == ["team@clinic.example", "nurse@clinic.example"]
    assert message["Subject"].startswith("新登記：脂肪粒，2026年12月1日，參考編號 ")
    assert message["From"].addresses[0].display_name == "Leadform 通知"
    assert message["Reply-To"].addresses[0].display_name == NAME
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert f"姓名: {NAME}" in text.get_content()
    assert NAME in html.get_content()


async def test_the_mail_server_gets_at_most_two_messages_at_once(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    clock: FakeClock,
    database: Path | PostgresUrl,
) -> None:
    port = free_port()
    # each message waits for company, so the most the sender allows is what it sees
    mailbox = Mailbox(concurrency=Concurrency(mail.IN_FLIGHT))
    backlog = 3 * mail.IN_FLIGHT
    for i in range(backlog):
        # two recipient lists (the setting changed): still one server, one bound
        await db.save_lead(new_lead(f"t{i}", email(TEAM if i % 2 else "frontdesk@clinic.example")))
    deliverer = make_deliverer(SmtpServer("127.0.0.1", port, "none"))
    with running(mailbox, port):
        await drain(deliverer, db, clock)
    await deliverer.stop()
    assert mailbox.concurrency.most == mail.IN_FLIGHT
    assert len(mailbox.messages) == backlog
    assert {row["status"] for row in outbox_rows(database)} == {"delivered"}


async def test_starttls_with_a_password(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    clock: FakeClock,
    database: Path | PostgresUrl,
    ca: trustme.CA,
) -> None:
    port, mailbox = free_port(), Mailbox()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    await db.save_lead(new_lead("t1", email(TEAM)))
    deliverer = make_deliverer(
        SmtpServer("127.0.0.1", port, "starttls", "clinic", "s3cret"), client_context
    )
    options = {
        "tls_context": server_context,
        "require_starttls": True,
        "auth_required": True,
        "authenticator": accept("clinic", "s3cret"),
    }
    with running(mailbox, port, **options):
        await drain(deliverer, db, clock)
    await deliverer.stop()
    assert len(mailbox.messages) == 1
    assert outbox_rows(database)[0]["status"] == "delivered"


async def test_implicit_tls(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    clock: FakeClock,
    database: Path | PostgresUrl,
    ca: trustme.CA,
) -> None:
    port, mailbox = free_port(), Mailbox()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    await db.save_lead(new_lead("t1", email(TEAM)))
    deliverer = make_deliverer(SmtpServer("127.0.0.1", port, "tls", "u", "p"), client_context)
    # aiosmtpd does not count implicit TLS as TLS for AUTH; the socket is TLS all the same
    options = {
        "ssl_context": server_context,
        "authenticator": accept("u", "p"),
        "auth_require_tls": False,
    }
    with running(mailbox, port, **options):
        await drain(deliverer, db, clock)
    await deliverer.stop()
    assert len(mailbox.messages) == 1


async def test_a_certificate_the_system_does_not_trust_is_refused(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    database: Path | PostgresUrl,
    ca: trustme.CA,
) -> None:
    port, mailbox = free_port(), Mailbox()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    await db.save_lead(new_lead("t1", email(TEAM)))
    deliverer = make_deliverer(SmtpServer("127.0.0.1", port, "starttls", "u", "p"))
    with running(mailbox, port, tls_context=server_context, require_starttls=True):
        await deliverer.deliver_due()
    await deliverer.stop()
    [row] = outbox_rows(database)
    assert row["status"] == "pending" and mailbox.messages == []


async def test_a_mail_server_that_is_down_is_retried_until_it_is_back(
    db: Database,
    make_deliverer: Callable[..., Deliverer],
    clock: FakeClock,
    database: Path | PostgresUrl,
) -> None:
    port, mailbox = free_port(), Mailbox()
    await db.save_lead(new_lead("t1", email(TEAM)))
    deliverer = make_deliverer(SmtpServer("127.0.0.1", port, "none"))
    await deliverer.deliver_due()
    [row] = outbox_rows(database)
    assert row["status"] == "pending" and row["last_error"] == "SMTPConnectError"
    with running(mailbox, port):
        await drain(deliverer, db, clock)
    await deliverer.stop()
    assert len(mailbox.messages) == 1


class RefusingMailbox(Mailbox):
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        return f"550 5.1.1 <{address}>: Recipient address rejected"


async def test_a_refusal_is_recorded_by_code_without_the_addresses(
    db: Database, make_deliverer: Callable[..., Deliverer], database: Path | PostgresUrl
) -> None:
    port = free_port()
    await db.save_lead(new_lead("t1", email(TEAM)))
    deliverer = make_deliverer(SmtpServer("127.0.0.1", port, "none"))
    with running(RefusingMailbox(), port):
        await deliverer.deliver_due()
    await deliverer.stop()
    [row] = outbox_rows(database)
    assert row["status"] == "pending"
    assert "@" not in row["last_error"] and row["last_error"].startswith("SMTP")
