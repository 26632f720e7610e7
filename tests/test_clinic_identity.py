"""The clinic's identity: its settings, and its name and contact on the pages and in
the staff's email."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from leadform.config import Settings, SettingsError, load_settings
from leadform.domain.clinic import Clinic, parse_number, parse_per_language
from leadform.i18n.languages import load_languages
from leadform.i18n.messages import Localised
from leadform.notifications.lead_email import compose_lead_email
from leadform.web.templating import create_environment
from tests.conftest import A_BOOKABLE_DAY, ROOT, FakeClock, form_token, serve
from tests.factories import lead_record

pytestmark = pytest.mark.anyio

IDENTITY = {
    "LEADFORM_CLINIC_NAME": "Glow Skin Clinic|zh-Hant-HK=光采皮膚診所",
    "LEADFORM_CLINIC_PHONE": "2123 4567",
    "LEADFORM_CLINIC_WHATSAPP": "+852 9123 4567",
    "LEADFORM_CLINIC_ADDRESS": "1 Queen's Road Central|zh-Hant-HK=皇后大道中1號",
    "LEADFORM_CLINIC_HOURS": "Mon–Sat 10:00–20:00",
}
VALID = {
    "name": "Chan Tai Man",
    "phone": "9123 4567",
    "treatment": "acne",
    "preferred_date": A_BOOKABLE_DAY,
    "consent_terms": "yes",
}


@pytest.fixture
def settings(environ: dict[str, str]) -> Settings:
    return load_settings(environ | IDENTITY)


@pytest.fixture
async def client(settings: Settings, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(settings, clock) as c:
        yield c


def test_identity_settings_are_read(settings: Settings) -> None:
    assert settings.clinic == Clinic(
        name=Localised((("", "Glow Skin Clinic"), ("zh-Hant-HK", "光采皮膚診所"))),
        phone="+85221234567",
        whatsapp="+85291234567",
        address=Localised((("", "1 Queen's Road Central"), ("zh-Hant-HK", "皇后大道中1號"))),
        hours=Localised((("", "Mon–Sat 10:00–20:00"),)),
    )


def test_no_identity_by_default(tmp_path: Path) -> None:
    assert load_settings({"LEADFORM_SECRET_KEY": "k" * 32}, root=tmp_path).clinic == Clinic()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LEADFORM_CLINIC_PHONE", "1234"),
        ("LEADFORM_CLINIC_WHATSAPP", "call us"),
        ("LEADFORM_CLINIC_NAME", "zh-Hant-HK=光采皮膚診所"),
        ("LEADFORM_CLINIC_NAME", "Glow|光采"),
        ("LEADFORM_CLINIC_ADDRESS", "1 Queen's Road|zh-Hant-HK="),
    ],
)
def test_bad_identity_setting_names_the_variable(tmp_path: Path, variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"LEADFORM_SECRET_KEY": "k" * 32, variable: value}, root=tmp_path)
    assert str(raised.value).startswith(f"{variable}: ") and "\n" not in str(raised.value)


def test_number_without_country_code_is_a_hong_kong_one() -> None:
    assert parse_number("2123 4567") == "+85221234567"


@pytest.mark.parametrize(
    ("tag", "name"),
    [
        ("en", "Glow Skin Clinic"),
        ("zh-hant-hk", "光采皮膚診所"),
        ("zh-hans-cn", "Glow Skin Clinic"),
    ],
)
async def test_name_is_in_the_title_and_header_in_each_language_or_the_default(
    client: httpx.AsyncClient, tag: str, name: str
) -> None:
    html = (await client.get(f"/{tag}/register")).text
    title = re.search(r"<title>([^<]*)</title>", html)
    assert title is not None and title.group(1).endswith(f" · {name}")
    assert f'<p class="brand">{name}</p>' in html


async def test_embedded_form_has_no_header_but_keeps_the_name_in_its_title(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/en/register?embed=1")).text
    assert "site-header" not in html and "Glow Skin Clinic</title>" in html


async def test_generic_title_without_a_name(environ: dict[str, str], clock: FakeClock) -> None:
    async with serve(load_settings(environ), clock) as client:
        html = (await client.get("/zh-hant-hk/register")).text
    assert '<p class="brand">診所登記</p>' in html


async def thank_you_page(client: httpx.AsyncClient, clock: FakeClock, tag: str) -> str:
    token = form_token((await client.get(f"/{tag}/register")).text)
    clock.advance(10)
    response = await client.post(f"/{tag}/register", data=VALID | {"token": token})
    assert response.status_code == 303
    return (await client.get(response.headers["location"])).text


async def test_thank_you_page_links_the_phone_and_whatsapp(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    html = await thank_you_page(client, clock, "en")
    assert '<a href="tel:+85221234567">+852 2123 4567</a>' in html
    assert 'href="https://wa.me/85291234567"' in html and ">+852 9123 4567</a>" in html
    assert "1 Queen&#39;s Road Central" in html and "Mon–Sat 10:00–20:00" in html


async def test_thank_you_page_gives_the_address_in_the_visitors_language(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    html = await thank_you_page(client, clock, "zh-hant-hk")
    assert "聯絡我們" in html and "皇后大道中1號" in html and "營業時間" in html


async def test_thank_you_page_has_no_contact_block_without_contact_settings(
    environ: dict[str, str], clock: FakeClock
) -> None:
    async with serve(load_settings(environ), clock) as client:
        html = await thank_you_page(client, clock, "en")
    assert "Contact us" not in html and "tel:" not in html


def test_staff_email_carries_the_clinics_name_in_the_staffs_language() -> None:
    language = load_languages(ROOT / "locales", "en").match("zh-Hant-HK")
    assert language is not None
    message = compose_lead_email(
        lead_record(id=7, created_at=datetime(2026, 11, 26, 2, 0, tzinfo=UTC)),
        language=language,
        zone=ZoneInfo("Asia/Hong_Kong"),
        env=create_environment(),
        clinic=Clinic(name=parse_per_language("Glow Skin Clinic|zh-Hant-HK=光采皮膚診所")),
        sender="leads@clinic.example",
        recipients="team@clinic.example",
        delivery_id="3f1c2d7e-0000-4000-8000-000000000001",
        now=datetime(2026, 11, 26, 2, 0, 5, tzinfo=UTC),
    )
    parsed = message_from_bytes(message.as_bytes(), policy=default)
    assert str(parsed["Subject"]).startswith("[光采皮膚診所] ")
    assert "光采皮膚診所" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
