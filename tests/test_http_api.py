"""The JSON API: describing the form, taking leads, errors in both languages, CORS."""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from leadform.config import Settings, load_settings
from leadform.registration.rules import FIELDS
from tests.conftest import A_BOOKABLE_DAY, FakeClock, serve
from tests.openapi import assert_documented

pytestmark = pytest.mark.anyio

BLOG = "https://blog.example.com"
LEAD = {
    "name": "陳大文",
    "phone": "9123 4567",
    "email": "chan@example.com",
    "treatment": "milia",
    "preferred_date": A_BOOKABLE_DAY,
    "consent_terms": True,
    "consent_marketing": False,
}


@pytest.fixture
async def api(environ: dict[str, str], clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(environ | {"LEADFORM_EMBED_ORIGINS": BLOG})
    async with serve(settings, clock) as c:
        yield c


async def api_token(client: httpx.AsyncClient, clock: FakeClock) -> str:
    token: str = (await client.get("/api/form")).json()["token"]
    clock.advance(10)
    return token


def leads(settings: Settings) -> list[sqlite3.Row]:
    with sqlite3.connect(settings.database) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute("SELECT * FROM leads ORDER BY id").fetchall()


# --- GET /api/form --------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "tag", "name_label", "milia", "hint"),
    [
        ("en", "en", "Name", "Milia", "Choose a day from Nov 27, 2026 to Feb 24, 2027."),
        ("zh-hant-hk", "zh-Hant-HK", "姓名", "脂肪粒", "2026年11月27日"),
        ("zh-HK", "zh-Hant-HK", "姓名", "脂肪粒", "2027年2月24日"),
    ],
)
async def test_form_description_is_in_the_requested_language(
    client: httpx.AsyncClient, locale: str, tag: str, name_label: str, milia: str, hint: str
) -> None:
    response = await client.get("/api/form", params={"locale": locale})
    body = response.json()
    assert response.status_code == 200 and response.headers["content-language"] == tag
    assert response.headers["cache-control"] == "no-store"
    assert body["locale"] == tag
    fields = {field["name"]: field for field in body["fields"]}
    assert [field["name"] for field in body["fields"]] == list(FIELDS)
    assert fields["name"]["label"] == name_label
    assert {"value": "milia", "label": milia} in fields["treatment"]["options"]
    assert hint in fields["preferred_date"]["hint"]
    assert_documented(response, "/api/form", "get")


async def test_form_description_follows_accept_language_without_locale(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/form", headers={"Accept-Language": "zh-TW,en;q=0.5"})
    assert response.json()["locale"] == "zh-Hant-HK"


async def test_form_description_carries_constraints_dates_consent_and_a_token(
    client: httpx.AsyncClient,
) -> None:
    body = (await client.get("/api/form?locale=zh-hant-hk")).json()
    fields = {field["name"]: field for field in body["fields"]}
    assert fields["name"]["max_length"] == 100 and fields["name"]["required"] is True
    assert fields["email"]["required"] is False and fields["phone"]["type"] == "tel"
    assert (fields["preferred_date"]["min"], fields["preferred_date"]["max"]) == (
        "2026-11-27",
        "2027-02-24",
    )
    assert (body["bookable"]["earliest"], body["bookable"]["latest"]) == (
        "2026-11-27",
        "2027-02-24",
    )
    assert body["consent"]["terms_url"] == "http://testserver/zh-hant-hk/terms"
    assert 'href="http://testserver/zh-hant-hk/privacy"' in fields["consent_terms"]["label_html"]
    assert "<" not in fields["consent_terms"]["label"]
    assert body["submit"] == {"method": "POST", "url": "http://testserver/api/leads"}
    assert body["token"] and body["optional_fields"]["honeypot"] == "website"


@pytest.mark.parametrize("tag", ["en", "zh-hant-hk"])
async def test_api_labels_are_the_html_forms_labels(client: httpx.AsyncClient, tag: str) -> None:
    body = (await client.get(f"/api/form?locale={tag}")).json()
    page = (await client.get(f"/{tag}/register")).text
    # Compared without tags or white space: the page wraps lines and links.
    texts = "".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())

    def shown(text: str) -> bool:
        return "".join(text.split()) in texts

    for field in body["fields"]:
        assert shown(field["label"]), field["name"]
        assert shown(field.get("hint", "")), field["name"]
    assert shown(body["title"]) and shown(body["intro"]) and shown(body["submit_label"])


# --- POST /api/leads: success ---------------------------------------------------


async def test_json_lead_is_stored_and_answered_201(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    token = await api_token(client, clock)
    response = await client.post(
        "/api/leads", json=LEAD | {"token": token, "locale": "zh-hant-hk", "utm_source": "app"}
    )
    assert response.status_code == 201
    [row] = leads(settings)
    assert response.json() == {
        "reference": row["reference"],
        "preferred_date": A_BOOKABLE_DAY,
        "treatment": "milia",
        "locale": "zh-Hant-HK",
    }
    assert (row["phone"], row["locale"], row["utm_source"]) == (
        "+85291234567",
        "zh-Hant-HK",
        "app",
    )
    assert row["consent_marketing"] == 0
    assert_documented(response, "/api/leads", "post")


async def test_form_encoded_lead_is_accepted_too(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    token = await api_token(client, clock)
    data = {k: v for k, v in LEAD.items() if isinstance(v, str)} | {"consent_terms": "yes"}
    response = await client.post("/api/leads", data=data | {"token": token})
    assert response.status_code == 201 and len(leads(settings)) == 1


async def test_same_token_twice_answers_the_same_reference_and_stores_one(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    token = await api_token(client, clock)
    first = await client.post("/api/leads", json=LEAD | {"token": token})
    second = await client.post("/api/leads", json=LEAD | {"token": token})
    assert first.status_code == second.status_code == 201
    assert first.json()["reference"] == second.json()["reference"]
    assert len(leads(settings)) == 1


async def test_html_form_token_and_api_token_are_interchangeable(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    from tests.conftest import form_token

    token = form_token((await client.get("/en/register")).text)
    clock.advance(10)
    assert (await client.post("/api/leads", json=LEAD | {"token": token})).status_code == 201


# --- POST /api/leads: refusals --------------------------------------------------


@pytest.mark.parametrize(
    ("how", "phone_message", "consent_message"),
    [
        (
            {"json_locale": "en"},
            "Enter a valid phone number, like 9123 4567 or +852 9123 4567.",
            "Agree to the Registration Terms and Conditions and Privacy Policy to continue.",
        ),
        ({"json_locale": "zh-hant-hk"}, "請輸入有效的電話號碼", "請同意"),
        ({"accept_language": "zh-HK"}, "請輸入有效的電話號碼", "請同意"),
    ],
)
async def test_invalid_lead_gets_422_with_translated_messages_per_field(
    client: httpx.AsyncClient,
    clock: FakeClock,
    settings: Settings,
    how: dict[str, str],
    phone_message: str,
    consent_message: str,
) -> None:
    token = await api_token(client, clock)
    body: dict[str, Any] = LEAD | {"token": token, "phone": "123", "consent_terms": False}
    if "json_locale" in how:
        body["locale"] = how["json_locale"]
    headers = {"Accept-Language": how.get("accept_language", "en")}
    response = await client.post("/api/leads", json=body, headers=headers)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"phone", "consent_terms"}
    assert errors["phone"].startswith(phone_message)
    assert errors["consent_terms"].startswith(consent_message)
    assert leads(settings) == []
    assert_documented(response, "/api/leads", "post")


async def test_api_applies_the_minimum_fill_time(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    token = (await client.get("/api/form")).json()["token"]
    clock.advance(1)
    response = await client.post("/api/leads", json=LEAD | {"token": token})
    assert response.status_code == 400
    assert response.json()["error"] == "too_fast" and response.json()["token"] != token
    assert leads(settings) == []
    assert_documented(response, "/api/leads", "post")


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("en", "This form has expired. Please check your details and submit again."),
        ("zh-hant-hk", "此表格已過期。請檢查你的資料後再次提交。"),
    ],
)
async def test_expired_token_gets_400_with_a_fresh_token(
    client: httpx.AsyncClient, clock: FakeClock, tag: str, message: str
) -> None:
    token = await api_token(client, clock)
    clock.advance(24 * 3600 + 1)
    response = await client.post("/api/leads", json=LEAD | {"token": token, "locale": tag})
    body = response.json()
    assert response.status_code == 400
    assert body["error"] == "form_expired" and body["message"] == message
    assert body["token"] and body["token"] != token


@pytest.mark.parametrize(
    "content", [b"{not json", b"[1, 2]", b'{"name": ["x"]}', b"\xff\xfe", b"[" * 5000]
)
async def test_malformed_json_is_a_400_json_error(
    client: httpx.AsyncClient, content: bytes
) -> None:
    response = await client.post(
        "/api/leads", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request" and response.json()["message"]
    assert_documented(response, "/api/leads", "post")


async def test_other_content_types_are_a_415_json_error(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/leads",
        content=b"name=x",
        headers={"Content-Type": "text/plain", "Accept-Language": "zh-HK"},
    )
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert response.headers["content-language"] == "zh-Hant-HK"
    assert_documented(response, "/api/leads", "post")


async def test_oversized_body_is_a_413_json_error(client: httpx.AsyncClient) -> None:
    body = json.dumps({"name": "x" * 70_000}).encode()
    response = await client.post(
        "/api/leads", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert_documented(response, "/api/leads", "post")


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [("GET", "/api/leads", 405, "method_not_allowed"), ("GET", "/api/nothing", 404, "not_found")],
)
async def test_api_errors_are_json_not_pages(
    client: httpx.AsyncClient, method: str, path: str, status: int, code: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == code


async def test_storage_failure_is_a_503_json_error(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    token = await api_token(client, clock)
    other = sqlite3.connect(settings.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        response = await client.post("/api/leads", json=LEAD | {"token": token})
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert response.status_code == 503 and response.json()["error"] == "unavailable"
    assert_documented(response, "/api/leads", "post")


# --- CORS -----------------------------------------------------------------------


async def test_preflight_from_an_embed_origin_is_allowed(api: httpx.AsyncClient) -> None:
    response = await api.options(
        "/api/leads",
        headers={
            "Origin": BLOG,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == BLOG
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in response.headers


async def test_preflight_from_another_origin_is_refused(api: httpx.AsyncClient) -> None:
    response = await api.options(
        "/api/leads",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_api_answers_carry_cors_headers_only_for_embed_origins(
    api: httpx.AsyncClient, clock: FakeClock
) -> None:
    allowed = await api.get("/api/form", headers={"Origin": BLOG})
    other = await api.get("/api/form", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == BLOG
    assert "Retry-After" in allowed.headers["access-control-expose-headers"]
    assert "access-control-allow-origin" not in other.headers
    assert "Origin" in other.headers["vary"]


async def test_api_errors_carry_cors_headers_too(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/leads", content=b"x", headers={"Origin": BLOG, "Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.headers["access-control-allow-origin"] == BLOG


async def test_pages_never_answer_cross_origin_reads(api: httpx.AsyncClient) -> None:
    response = await api.get("/en/register", headers={"Origin": BLOG})
    assert "access-control-allow-origin" not in response.headers
