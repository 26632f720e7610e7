"""The form page is rendered once and reused: each visitor still gets their own
token, and the page changes with everything that changes it (language, day,
preselected treatment, the address it was asked for)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import httpx
import pytest

from tests.conftest import FakeClock, form_token
from tests.test_http_form import VALID

pytestmark = pytest.mark.anyio


def without_token(html: str) -> str:
    return html.replace(form_token(html), "TOKEN")


async def test_visitors_get_the_same_page_with_their_own_token(client: httpx.AsyncClient) -> None:
    first, second = [(await client.get("/en/register")).text for _ in range(2)]
    assert form_token(first) != form_token(second)
    assert without_token(first) == without_token(second)


async def test_a_token_from_the_reused_page_is_accepted(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await client.get("/en/register")
    token = form_token((await client.get("/en/register")).text)
    clock.advance(10)
    response = await client.post("/en/register", data=VALID | {"token": token})
    assert response.status_code == 303


async def test_the_page_changes_when_the_clinic_day_changes(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 11, 26, 15, 59, tzinfo=UTC)  # 23:59 in Hong Kong
    before = (await client.get("/en/register")).text
    clock.now = datetime(2026, 11, 26, 16, 1, tzinfo=UTC)  # 00:01 the next day
    after = (await client.get("/en/register")).text
    assert 'min="2026-11-27"' in before and 'min="2026-11-28"' in after
    assert "Nov 28, 2026" in after and "Nov 27, 2026" not in after


@pytest.mark.parametrize(
    ("first", "then", "expected"),
    [
        ("/en/register?treatment=milia", "/en/register", 'value="milia" required>'),
        ("/en/register", "/en/register?treatment=milia", 'value="milia" required checked'),
        ("/en/register", "/zh-hant-hk/register", '<html lang="zh-Hant-HK">'),
    ],
)
async def test_the_page_follows_language_and_preselected_treatment(
    client: httpx.AsyncClient, first: str, then: str, expected: str
) -> None:
    await client.get(first)
    assert expected in (await client.get(then)).text


async def test_links_use_the_address_each_visitor_asked_for(client: httpx.AsyncClient) -> None:
    await client.get("/en/register", headers={"Host": "a.example"})
    html = (await client.get("/en/register", headers={"Host": "b.example"})).text
    assert 'href="http://b.example/zh-hant-hk/register"' in html
    assert "a.example" not in html


async def test_the_reused_page_comes_gzipped_and_plain_alike(client: httpx.AsyncClient) -> None:
    zipped = await client.get("/en/register", headers={"Accept-Encoding": "gzip"})
    plain = await client.get("/en/register", headers={"Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["vary"]
    assert "content-encoding" not in plain.headers
    assert without_token(zipped.text) == without_token(plain.text)


@pytest.mark.parametrize(
    ("path", "referer"),
    [
        ("/en/register", None),
        ("/zh-hant-hk/register?treatment=milia", None),
        ("/en/register?embed=1&accent=%23aa3300", None),
        ("/en/register?embed=1&utm_source=partner", "https://partner.example/article"),
        (
            "/en/register?utm_source=fb&utm_campaign=%22%3Cb%3E%26&gclid=abc-123"
            "&page_url=https%3A%2F%2Fclinic.example%2Fp%3Fa%3D1%26b%3D%22x%22",
            None,
        ),
        ("/en/register?foo=%3Cscript%3E&treatment=acne", 'https://news.example/a?q="<>"'),
    ],
)
async def test_the_reused_page_is_the_page_rendered_for_the_request_alone(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, path: str, referer: str | None
) -> None:
    from leadform.views import register

    headers = {"Referer": referer} if referer else {}
    first = (await client.get(path, headers=headers)).text
    reused = (await client.get(path, headers=headers)).text

    def uncached(request, language):  # type: ignore[no-untyped-def]
        treatment = request.query_params.get("treatment", "")
        values = {"treatment": treatment} if treatment in register.TREATMENTS else {}
        return register.render_form(
            request, language, values, attribution=register.page_attribution(request)
        )

    cached_parts = register.blank_form_parts

    def no_cached_page(request, language):  # type: ignore[no-untyped-def]
        return dataclasses.replace(cached_parts(request, language), page=None)

    # No cached page: the fast path hands the request on, and the view renders it.
    monkeypatch.setattr(register, "blank_form_parts", no_cached_page)
    monkeypatch.setattr(register, "blank_form", uncached)
    fresh = (await client.get(path, headers=headers)).text
    assert without_token(first) == without_token(reused) == without_token(fresh)


async def test_attribution_values_are_escaped_into_the_reused_page(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/en/register?utm_source=plain")
    html = (await client.get("/en/register?utm_source=%22%3E%3Cscript%3E")).text
    assert 'name="utm_source" value="&#34;&gt;&lt;script&gt;"' in html
    assert "<script>" not in html
