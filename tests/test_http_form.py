"""The form over HTTP: languages, validation, tokens, storage, bad input."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from leadform.config import Settings
from tests.conftest import A_BOOKABLE_DAY, FakeClock, error_messages, form_token

pytestmark = pytest.mark.anyio

VALID = {
    "name": "陳大文",
    "phone": "9123 4567",
    "email": "chan@example.com",
    "treatment": "milia",
    "preferred_date": A_BOOKABLE_DAY,
    "consent_terms": "yes",
}


async def fresh_token(client: httpx.AsyncClient, clock: FakeClock, tag: str = "en") -> str:
    token = form_token((await client.get(f"/{tag}/register")).text)
    clock.advance(10)  # a person takes longer than the minimum fill time
    return token


def stored_leads(settings: Settings) -> list[sqlite3.Row]:
    with sqlite3.connect(settings.database) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute("SELECT * FROM leads ORDER BY id").fetchall()


@contextmanager
def database_locked(path: Path) -> Iterator[None]:
    """Another process holds the write lock (as a long transaction would)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


# --- languages and URLs ---------------------------------------------------------


@pytest.mark.parametrize(
    ("accept_language", "location"),
    [
        ("zh-HK,zh;q=0.9", "/zh-hant-hk/register?utm_source=fb"),
        ("en-GB", "/en/register?utm_source=fb"),
        ("!!!", "/en/register?utm_source=fb"),
    ],
)
async def test_root_redirects_to_negotiated_language_keeping_query(
    client: httpx.AsyncClient, accept_language: str, location: str
) -> None:
    response = await client.get("/?utm_source=fb", headers={"Accept-Language": accept_language})
    assert response.status_code == 303
    assert response.headers["location"] == location
    assert response.headers["vary"] == "Accept-Language"


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("/zh-hk/register", "/zh-hant-hk/register"),
        ("/zh-TW/register", "/zh-hant-hk/register"),
        ("/zh-mo/register?treatment=milia", "/zh-hant-hk/register?treatment=milia"),
        ("/zh-hant/register", "/zh-hant-hk/register"),
        ("/ZH-HANT-HK/register", "/zh-hant-hk/register"),
        ("/en-gb/register", "/en/register"),
        ("/en-us/terms", "/en/terms"),
        ("/zh-hans/register", "/zh-hans-cn/register"),
        ("/zh-cn/register", "/zh-hans-cn/register"),
        ("/zh-SG/privacy", "/zh-hans-cn/privacy"),
        ("/en-xa/register", "/en/register"),
    ],
)
async def test_other_names_of_a_language_redirect_permanently_to_its_canonical_tag(
    client: httpx.AsyncClient, path: str, canonical: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 301
    assert response.headers["location"] == f"http://testserver{canonical}"


@pytest.mark.parametrize("path", ["/fr/register", "/xx-yy/register", "/en/nothing", "/ja/register"])
async def test_unknown_language_or_page_is_a_404_page(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.text


async def test_404_page_speaks_the_visitors_language(client: httpx.AsyncClient) -> None:
    response = await client.get("/nothing-here", headers={"Accept-Language": "zh-HK"})
    assert response.status_code == 404
    assert "找不到頁面" in response.text


@pytest.mark.parametrize(
    ("tag", "html_lang", "title", "date_hint"),
    [
        ("en", "en", "1 Minute Self-Registration", "Nov 27, 2026"),
        ("zh-hant-hk", "zh-Hant-HK", "1分鐘自助登記", "2026年11月27日"),
    ],
)
async def test_form_page_is_in_its_language(
    client: httpx.AsyncClient, tag: str, html_lang: str, title: str, date_hint: str
) -> None:
    html = (await client.get(f"/{tag}/register")).text
    assert f'<html lang="{html_lang}">' in html
    assert title in html
    assert date_hint in html


async def test_form_links_to_its_other_languages(client: httpx.AsyncClient) -> None:
    html = (await client.get("/en/register?treatment=acne")).text
    assert (
        '<link rel="alternate" hreflang="zh-Hant-HK" '
        'href="http://testserver/zh-hant-hk/register?treatment=acne">'
    ) in html
    assert ">繁體中文</a>" in html


async def test_date_input_carries_the_bookable_range(client: httpx.AsyncClient) -> None:
    html = (await client.get("/en/register")).text
    assert 'type="date"' in html
    assert 'min="2026-11-27"' in html and 'max="2027-02-24"' in html


async def test_bookable_range_follows_hong_kong_midnight_not_utc(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    from datetime import UTC, datetime

    clock.now = datetime(2026, 11, 26, 16, 30, tzinfo=UTC)  # 00:30 on the 27th in HK
    html = (await client.get("/en/register")).text
    assert 'min="2026-11-28"' in html


@pytest.mark.parametrize(
    ("tag", "name_missing", "too_early"),
    [
        ("en", "Enter your name.", "Date should not be before Nov 27, 2026."),
        ("zh-hant-hk", "請輸入姓名。", "日期不可早於 2026年11月27日。"),
    ],
)
async def test_form_carries_the_servers_messages_for_the_browsers_checks(
    client: httpx.AsyncClient, tag: str, name_missing: str, too_early: str
) -> None:
    html = (await client.get(f"/{tag}/register")).text
    assert f'data-field="name" data-msg-value-missing="{name_missing}"' in html
    assert f'data-msg-range-underflow="{too_early}"' in html
    assert 'data-field="consent_terms" data-msg-value-missing="' in html


async def test_treatment_query_preselects_it(client: httpx.AsyncClient) -> None:
    html = (await client.get("/en/register?treatment=milia")).text
    assert 'value="milia" required checked' in html


async def test_consent_links_lead_to_pages_in_the_visitors_language(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/zh-hant-hk/register")).text
    assert 'href="/zh-hant-hk/terms"' in html and 'href="/zh-hant-hk/privacy"' in html
    for page, heading in (("terms", "登記條款及細則"), ("privacy", "私隱政策")):
        response = await client.get(f"/zh-hant-hk/{page}")
        assert response.status_code == 200 and heading in response.text


async def test_configured_policy_urls_take_the_locale(tmp_path: Path, clock: FakeClock) -> None:
    from asgi_lifespan import LifespanManager

    from leadform.application import create_app
    from leadform.config import load_settings
    from tests.conftest import ROOT

    settings = load_settings(
        {
            "LEADFORM_DATABASE": str(tmp_path / "l.db"),
            "LEADFORM_SECRET_KEY": "k" * 40,
            "LEADFORM_LOCALES_DIR": str(ROOT / "locales"),
            "LEADFORM_TERMS_URL": "https://clinic.example/{locale}/terms",
        }
    )
    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            html = (await c.get("/zh-hant-hk/register")).text
    assert 'href="https://clinic.example/zh-hant-hk/terms"' in html


# --- submitting -----------------------------------------------------------------


async def test_valid_lead_is_stored_and_thanked_in_the_same_language(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    token = await fresh_token(client, clock, "zh-hant-hk")
    response = await client.post("/zh-hant-hk/register", data=VALID | {"token": token})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/zh-hant-hk/thanks/")
    thanks = await client.get(response.headers["location"])
    [lead] = stored_leads(settings)
    assert thanks.status_code == 200
    assert lead["reference"] in thanks.text
    assert "脂肪粒" in thanks.text and "2026年12月1日" in thanks.text
    assert (lead["name"], lead["phone"], lead["email"]) == (
        "陳大文",
        "+85291234567",
        "chan@example.com",
    )
    assert (lead["treatment"], lead["preferred_date"], lead["locale"]) == (
        "milia",
        A_BOOKABLE_DAY,
        "zh-Hant-HK",
    )
    assert lead["created_at"] == "2026-11-26T02:00:10.000000Z"
    assert lead["consent_marketing"] == 0 and lead["ip"] == "203.0.113.9"


async def test_consent_wording_is_stored_once_per_wording(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    for tag in ("en", "en", "zh-hant-hk"):
        token = await fresh_token(client, clock, tag)
        await client.post(f"/{tag}/register", data=VALID | {"token": token})
    with sqlite3.connect(settings.database) as conn:
        wordings = conn.execute(
            "SELECT locale, text FROM consent_wordings ORDER BY locale"
        ).fetchall()
        pointers = conn.execute("SELECT DISTINCT consent_wording_hash FROM leads").fetchall()
    assert [locale for locale, _ in wordings] == ["en", "zh-Hant-HK"]
    assert "Registration Terms and Conditions" in wordings[0][1]
    assert "本人已閱讀並同意" in wordings[1][1]
    assert len(pointers) == 2


async def test_same_token_posted_twice_stores_one_lead_and_answers_alike(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    token = await fresh_token(client, clock)
    first = await client.post("/en/register", data=VALID | {"token": token})
    second = await client.post("/en/register", data=VALID | {"token": token})
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert len(stored_leads(settings)) == 1


async def test_concurrent_double_submit_stores_one_lead(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    import anyio

    token = await fresh_token(client, clock)
    locations: list[str] = []

    async def post() -> None:
        response = await client.post("/en/register", data=VALID | {"token": token})
        locations.append(response.headers["location"])

    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(post)
    assert len(set(locations)) == 1
    assert len(stored_leads(settings)) == 1


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("en", "Date should not be before Nov 27, 2026."),
        ("zh-hant-hk", "日期不可早於 2026年11月27日。"),
    ],
)
async def test_date_before_minimum_is_refused_with_every_value_kept(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings, tag: str, message: str
) -> None:
    token = await fresh_token(client, clock, tag)
    data = VALID | {"token": token, "preferred_date": "2026-11-26", "consent_marketing": "yes"}
    response = await client.post(f"/{tag}/register", data=data)
    html = response.text
    assert response.status_code == 422
    assert error_messages(html) == {"preferred_date": message}
    assert f'<a href="#preferred_date">{message}</a>' in html  # the summary
    assert 'value="陳大文"' in html and 'value="9123 4567"' in html
    assert 'value="chan@example.com"' in html and 'value="2026-11-26"' in html
    assert 'value="milia" required checked' in html
    assert 'id="consent_marketing" name="consent_marketing" value="yes" checked' in html
    assert stored_leads(settings) == []


async def test_errors_are_tied_to_their_controls(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    token = await fresh_token(client, clock)
    html = (await client.post("/en/register", data={"token": token})).text
    assert 'aria-invalid="true" aria-describedby="name-error"' in html
    assert 'aria-invalid="true" aria-describedby="phone-hint phone-error"' in html
    assert '<a href="#treatment-acne">Choose a treatment.</a>' in html


async def test_entered_values_are_escaped(client: httpx.AsyncClient, clock: FakeClock) -> None:
    token = await fresh_token(client, clock)
    data = {"token": token, "name": '"><script>alert(1)</script>'}
    html = (await client.post("/en/register", data=data)).text
    assert "<script>alert(1)" not in html
    assert "&#34;&gt;&lt;script&gt;" in html


async def test_unknown_fields_are_ignored(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    token = await fresh_token(client, clock)
    response = await client.post("/en/register", data=VALID | {"token": token, "admin": "1"})
    assert response.status_code == 303 and len(stored_leads(settings)) == 1


async def test_multipart_submission_is_accepted(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    token = await fresh_token(client, clock)
    response = await client.post(
        "/en/register", files={k: (None, v) for k, v in (VALID | {"token": token}).items()}
    )
    assert response.status_code == 303 and len(stored_leads(settings)) == 1


# --- tokens and bots ------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "notice"),
    [
        ("en", "This form has expired. Please check your details and submit again."),
        ("zh-hant-hk", "此表格已過期。請檢查你的資料後再次提交。"),
    ],
)
async def test_expired_token_asks_to_resubmit_and_stores_nothing(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings, tag: str, notice: str
) -> None:
    token = await fresh_token(client, clock, tag)
    clock.advance(24 * 3600 + 1)
    response = await client.post(f"/{tag}/register", data=VALID | {"token": token})
    assert response.status_code == 400
    assert notice in response.text
    assert 'value="陳大文"' in response.text
    assert form_token(response.text) != token  # a fresh form, ready to submit
    assert stored_leads(settings) == []


@pytest.mark.parametrize("token", ["", "forged.token.value", "x" * 500])
async def test_missing_or_forged_token_is_refused(
    client: httpx.AsyncClient, settings: Settings, token: str
) -> None:
    response = await client.post("/en/register", data=VALID | {"token": token})
    assert response.status_code == 400
    assert "This form has expired" in response.text
    assert stored_leads(settings) == []


async def test_form_posted_back_too_fast_is_treated_as_a_bot(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    token = form_token((await client.get("/zh-hant-hk/register")).text)
    clock.advance(1)
    response = await client.post("/zh-hant-hk/register", data=VALID | {"token": token})
    assert response.status_code == 400
    assert "未能傳送你的登記。請檢查你的資料後再次提交。" in response.text
    assert stored_leads(settings) == []


# --- storage trouble ------------------------------------------------------------


async def test_locked_database_gives_503_with_values_kept_then_recovers(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    token = await fresh_token(client, clock, "zh-hant-hk")
    with database_locked(settings.database):
        response = await client.post("/zh-hant-hk/register", data=VALID | {"token": token})
    assert response.status_code == 503
    assert "我們暫時未能儲存你的登記" in response.text
    assert 'value="陳大文"' in response.text and form_token(response.text) == token
    retry = await client.post("/zh-hant-hk/register", data=VALID | {"token": token})
    assert retry.status_code == 303
    assert len(stored_leads(settings)) == 1


async def test_healthz_reports_a_working_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


async def test_healthz_is_503_when_the_database_does_not_answer(
    settings: Settings, clock: FakeClock
) -> None:
    from asgi_lifespan import LifespanManager

    from leadform.application import create_app

    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        await manager._state["ctx"].db.reader.close()
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.get("/healthz")
    assert response.status_code == 503


# --- bad input ------------------------------------------------------------------


async def test_body_over_64_kib_is_refused_before_parsing(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/en/register",
        content=b"name=" + b"x" * (64 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert "Too much data" in response.text


async def test_chunked_body_over_the_limit_is_refused(client: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(80):
            yield b"x" * 1024

    response = await client.post(
        "/en/register",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/json", b'{"name": "x"}', 415),
        ("text/plain", b"name=x", 415),
        ("", b"name=x", 415),
        ("application/x-www-form-urlencoded", b"name=%ff%fe", 400),
        ("application/x-www-form-urlencoded", b"name=\xff\xfe", 400),
        ("multipart/form-data; boundary=zzz", b"--zzz\r\nbroken", 400),
        ("multipart/form-data", b"no boundary", 400),
    ],
)
async def test_malformed_bodies_are_client_errors_never_500(
    client: httpx.AsyncClient, content_type: str, body: bytes, status: int
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = await client.post("/en/register", content=body, headers=headers)
    assert response.status_code == status


async def test_file_upload_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/en/register", files={"name": ("a.txt", b"x", "text/plain")})
    assert response.status_code == 400


async def test_thanks_page_for_unknown_token_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/en/thanks/nope")).status_code == 404


async def test_pages_send_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/en/register")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors" in response.headers["content-security-policy"]


async def test_404_page_links_back_to_the_form_in_the_visitors_language(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/nothing-here", headers={"Accept-Language": "zh-HK"})).text
    assert 'href="/zh-hant-hk/register"' in html
