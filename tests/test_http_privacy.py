"""The administrators' privacy page over HTTP: look up a person, see what will go,
confirm with a CSRF-protected POST; ordinary staff are refused."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from leadform.config import PostgresUrl, Settings
from tests.conftest import csrf_token, sign_in
from tests.databases import on_engine, query, write
from tests.factories import add_staff, insert_leads, lead
from tests.privacy_support import NAME, OTHER_NAME, PHONE, cells_holding

pytestmark = pytest.mark.anyio


@pytest.fixture
def environ(environ: dict[str, str], database: Path | PostgresUrl) -> dict[str, str]:
    return on_engine(environ, database)  # every test here on both engines


@pytest.fixture
async def people(client: httpx.AsyncClient, settings: Settings) -> None:
    add_staff(settings.database, "dpo@example.com", admin=True)
    add_staff(settings.database, "sales@example.com")
    insert_leads(
        settings.database,
        [lead(name=NAME, phone=PHONE), lead(name=NAME, phone=PHONE), lead(name=OTHER_NAME)],
    )


async def as_staff(client: httpx.AsyncClient, email: str) -> str:
    assert (await sign_in(client, email)).status_code == 303
    return csrf_token((await client.get("/admin")).text)


async def test_ordinary_staff_may_not_open_the_privacy_page(
    client: httpx.AsyncClient, people: None
) -> None:
    await as_staff(client, "sales@example.com")
    response = await client.get("/admin/personal-data")
    assert response.status_code == 403
    assert "Only administrators can erase" in response.text
    assert 'href="/admin/personal-data"' not in (await client.get("/admin")).text


async def test_ordinary_staff_cannot_erase_even_with_a_valid_form(
    client: httpx.AsyncClient, settings: Settings, people: None
) -> None:
    csrf = await as_staff(client, "sales@example.com")
    response = await client.post(
        "/admin/personal-data/erase",
        data={"csrf": csrf, "kind": "phone", "value": PHONE, "confirm": "erase"},
    )
    assert response.status_code == 403
    assert cells_holding(settings.database, NAME) == ["leads.name"]


async def test_signed_out_visitors_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    assert (await client.get("/admin/personal-data")).status_code == 303
    response = await client.post("/admin/personal-data/erase", data={"value": PHONE})
    assert response.status_code == 303


async def test_an_administrator_sees_what_will_be_deleted_before_confirming(
    client: httpx.AsyncClient, settings: Settings, people: None
) -> None:
    csrf = await as_staff(client, "dpo@example.com")
    assert 'href="/admin/personal-data"' in (await client.get("/admin")).text
    preview = await client.post(
        "/admin/personal-data/erase", data={"csrf": csrf, "kind": "phone", "value": "9876 5432"}
    )
    assert preview.status_code == 200
    assert preview.text.count(f"<td>{NAME}</td>") == 2 and OTHER_NAME not in preview.text
    assert "Erase 2 leads for good" in preview.text
    assert cells_holding(settings.database, NAME) == ["leads.name"]  # nothing gone yet
    done = await client.post(
        "/admin/personal-data/erase",
        data={
            "csrf": csrf_token(preview.text),
            "kind": "phone",
            "value": "9876 5432",
            "confirm": "erase",
        },
    )
    assert done.status_code == 200
    assert "Erased 2 leads. Receipt number 1." in done.text
    assert cells_holding(settings.database, NAME) == []
    assert query(settings.database, "SELECT actor, lead_count FROM erasures") == [
        {"actor": "dpo@example.com", "lead_count": 2}
    ]


async def test_a_confirmation_without_its_csrf_token_erases_nothing(
    client: httpx.AsyncClient, settings: Settings, people: None
) -> None:
    await as_staff(client, "dpo@example.com")
    response = await client.post(
        "/admin/personal-data/erase",
        data={"csrf": "forged", "kind": "phone", "value": PHONE, "confirm": "erase"},
    )
    assert response.status_code == 403
    assert cells_holding(settings.database, NAME) == ["leads.name"]


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "Enter a valid phone number"),
        ("zh-hant-hk", "請輸入有效的電話號碼"),
    ],
)
async def test_an_identifier_the_form_would_refuse_gets_the_forms_message(
    client: httpx.AsyncClient, people: None, lang: str, message: str
) -> None:
    csrf = await as_staff(client, "dpo@example.com")
    response = await client.post(
        f"/admin/personal-data/erase?lang={lang}",
        data={"csrf": csrf, "kind": "phone", "value": "12"},
    )
    assert response.status_code == 400
    assert message in response.text


async def test_a_promotion_takes_effect_on_the_next_request(
    client: httpx.AsyncClient, settings: Settings, people: None
) -> None:
    await as_staff(client, "sales@example.com")
    assert (await client.get("/admin/personal-data")).status_code == 403
    write(settings.database, [("UPDATE staff SET admin = 1 WHERE email = 'sales@example.com'", ())])
    assert (await client.get("/admin/personal-data")).status_code == 200
