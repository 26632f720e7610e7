"""The staff email, composed: subject, headers and parts in the staff's language."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from zoneinfo import ZoneInfo

import pytest

from leadform.domain.leads import Attribution, Lead
from leadform.i18n.languages import Language, load_languages
from leadform.notifications.lead_email import compose_lead_email
from leadform.web.templating import create_environment
from tests.conftest import ROOT
from tests.factories import lead_record

ZONE = ZoneInfo("Asia/Hong_Kong")
LEAD = lead_record(
    id=7,
    created_at=datetime(2026, 11, 26, 2, 0, tzinfo=UTC),
    locale="en",
    name="陳大文 <b>Tai Man</b>",
    email="chan@example.com",
    consent_marketing=False,
    attribution=Attribution(utm_source="facebook", utm_campaign="winter"),
)


def language(tag: str) -> Language:
    found = load_languages(ROOT / "locales", "en").match(tag)
    assert found is not None
    return found


def compose(lead: Lead = LEAD, tag: str = "zh-Hant-HK") -> EmailMessage:
    return compose_lead_email(
        lead,
        language=language(tag),
        zone=ZONE,
        env=create_environment(),
        sender="診所 Leads <leads@clinic.example>",
        recipients="team@clinic.example, nurse@clinic.example",
        delivery_id="3f1c2d7e-0000-4000-8000-000000000001",
        now=datetime(2026, 11, 26, 2, 0, 5, tzinfo=UTC),
    )


def on_the_wire(message: EmailMessage) -> EmailMessage:
    """What a mailbox reads back from the bytes sent."""
    parsed = message_from_bytes(message.as_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.mark.parametrize(
    ("tag", "subject"),
    [
        ("zh-Hant-HK", "新登記：脂肪粒，2026年12月1日，參考編號 ABCD2345"),
        ("en", "New registration: Milia, Dec 1, 2026, ref. ABCD2345"),
    ],
)
def test_subject_has_treatment_date_and_reference_in_the_staff_language(
    tag: str, subject: str
) -> None:
    assert on_the_wire(compose(tag=tag))["Subject"] == subject


def test_non_ascii_headers_are_encoded_words_on_the_wire() -> None:
    raw = compose().as_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # RFC 2047: no raw UTF-8 in headers, any server takes it
    assert b"=?utf-8?" in head


def test_staff_can_reply_to_the_visitor_by_name() -> None:
    reply_to = on_the_wire(compose())["Reply-To"]
    assert reply_to.addresses[0].display_name == "陳大文 <b>Tai Man</b>"
    assert reply_to.addresses[0].addr_spec == "chan@example.com"


def test_no_reply_to_when_the_visitor_gave_no_email() -> None:
    from dataclasses import replace

    assert on_the_wire(compose(replace(LEAD, email="")))["Reply-To"] is None


def test_message_id_and_delivery_header_come_from_the_delivery_id() -> None:
    message = on_the_wire(compose())
    assert message["Message-ID"] == "<3f1c2d7e-0000-4000-8000-000000000001@clinic.example>"
    assert message["Leadform-Delivery"] == "3f1c2d7e-0000-4000-8000-000000000001"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["To"].addresses[1].addr_spec == "nurse@clinic.example"


def test_text_part_lists_the_details_in_chinese() -> None:
    text = on_the_wire(compose()).get_body(("plain",))
    assert text is not None
    content = text.get_content()
    for line in [
        "新免費體驗登記",
        "參考編號: ABCD2345",
        "療程: 脂肪粒",
        "心儀日期: 2026年12月1日",
        "姓名: 陳大文 <b>Tai Man</b>",
        "電話號碼: +852 9123 4567",
        "電郵地址: chan@example.com",
        "語言: 英文",
        "同意接收推廣資訊: 否",
        "提交時間: 2026年11月26日 上午10:00:00",
        "來源: facebook / winter",
    ]:
        assert line in content.splitlines(), line


def test_html_part_escapes_what_the_visitor_typed() -> None:
    html = on_the_wire(compose()).get_body(("html",))
    assert html is not None
    content = html.get_content()
    assert "陳大文 &lt;b&gt;Tai Man&lt;/b&gt;" in content
    assert "<b>Tai Man" not in content
    assert '<a href="tel:+85291234567">+852 9123 4567</a>' in content
    assert '<html lang="zh-Hant-HK">' in content
