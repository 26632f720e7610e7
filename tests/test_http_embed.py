"""The embed over HTTP: the script, the framed layout, who may frame, attribution."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from leadform.config import PostgresUrl, Settings, load_settings
from leadform.domain.leads import lead_fields
from leadform.storage import open_database
from leadform.storage.leads import get_lead
from tests.conftest import A_BOOKABLE_DAY, FakeClock, form_token, serve
from tests.databases import on_engine, query

pytestmark = pytest.mark.anyio


@pytest.fixture
def environ(environ: dict[str, str], database: Path | PostgresUrl) -> dict[str, str]:
    return on_engine(environ, database)  # every test here on both engines


BLOG = "https://blog.example.com"
VALID = {
    "name": "陳大文",
    "phone": "9123 4567",
    "treatment": "milia",
    "preferred_date": A_BOOKABLE_DAY,
    "consent_terms": "yes",
}


@pytest.fixture
async def embed_client(
    environ: dict[str, str], clock: FakeClock
) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(environ | {"LEADFORM_EMBED_ORIGINS": f"{BLOG} http://127.0.0.1:8001"})
    async with serve(settings, clock) as c:
        yield c


def hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', page)
    return {name: html.unescape(value) for name, value in found}


def stored(settings: Settings) -> list[dict[str, Any]]:
    return query(settings.database, "SELECT * FROM leads ORDER BY id")


# --- the script -----------------------------------------------------------------


async def test_embed_script_is_cacheable_javascript(client: httpx.AsyncClient) -> None:
    response = await client.get("/embed.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert response.headers["etag"]
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert len(response.content) < 8 * 1024  # small: no framework, no dependencies
    assert "import " not in response.text and "require(" not in response.text


async def test_embed_script_revalidates_with_a_304(client: httpx.AsyncClient) -> None:
    etag = (await client.get("/embed.js")).headers["etag"]
    response = await client.get("/embed.js", headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.content == b""


async def test_accent_stylesheet_sets_the_custom_properties(client: httpx.AsyncClient) -> None:
    response = await client.get("/embed/accent.css?c=9f1239")
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.text == ":root { --accent: #9f1239; --accent-contrast: #ffffff; }\n"
    assert "immutable" in response.headers["cache-control"]


async def test_accent_stylesheet_refuses_what_is_not_a_colour(client: httpx.AsyncClient) -> None:
    response = await client.get("/embed/accent.css", params={"c": "fff;}body{display:none"})
    assert response.status_code == 404


# --- language and the entry redirect --------------------------------------------


@pytest.mark.parametrize(
    ("locale", "accept_language", "tag"),
    [
        ("zh-hant-hk", "en", "zh-hant-hk"),
        ("zh-HK", "en", "zh-hant-hk"),  # another name for the same language
        ("fr,zh-TW", "en", "zh-hant-hk"),  # data-locale unknown: the page's <html lang>
        ("fr", "zh-HK,en;q=0.5", "zh-hant-hk"),  # neither: the browser's
        ("", "en", "en"),
    ],
)
async def test_entry_redirect_picks_the_first_language_it_speaks(
    client: httpx.AsyncClient, locale: str, accept_language: str, tag: str
) -> None:
    response = await client.get(
        "/",
        params={"embed": "1", "locale": locale, "treatment": "milia", "utm_source": "fb"},
        headers={"Accept-Language": accept_language},
    )
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == f"/{tag}/register"
    assert parse_qs(location.query) == {
        "embed": ["1"],
        "treatment": ["milia"],
        "utm_source": ["fb"],
    }


# --- the framed layout ----------------------------------------------------------


async def test_framed_form_drops_the_site_chrome(client: httpx.AsyncClient) -> None:
    html = (await client.get("/en/register?embed=1")).text
    assert '<html lang="en" class="embed">' in html
    assert 'class="site-header"' not in html and "hreflang" not in html
    assert re.search(r'<link rel="stylesheet" href="/static/embed\.[0-9a-f]{10}\.css">', html)
    assert re.search(r'<script src="/static/embed-frame\.[0-9a-f]{10}\.js" defer></script>', html)
    assert '<meta name="robots" content="noindex">' in html


async def test_unframed_form_keeps_its_chrome_and_loads_no_embed_code(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/en/register")).text
    assert 'class="site-header"' in html and "embed" not in html


async def test_framed_form_takes_a_validated_accent_as_a_stylesheet(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/en/register", params={"embed": "1", "accent": "teal"})).text
    assert '<link rel="stylesheet" href="/embed/accent.css?c=008080">' in html
    assert "style=" not in html  # the CSP allows no inline style
    bad = (await client.get("/en/register", params={"embed": "1", "accent": "red;}"})).text
    assert "accent.css" not in bad


async def test_framed_form_posts_and_thanks_in_the_framed_layout(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    html = (await client.get("/zh-hant-hk/register?embed=1&accent=%23ff0000")).text
    assert 'action="/zh-hant-hk/register?embed=1&amp;accent=%23ff0000"' in html
    clock.advance(10)
    response = await client.post(
        "/zh-hant-hk/register?embed=1&accent=%23ff0000", data=VALID | {"token": form_token(html)}
    )
    assert response.status_code == 303
    thanks_url = response.headers["location"]
    assert thanks_url.endswith("?embed=1&accent=%23ff0000")
    thanks = (await client.get(thanks_url)).text
    assert 'class="embed"' in thanks and "accent.css?c=ff0000" in thanks
    block = re.search(
        r'<script type="application/json" id="leadform-submitted">(.*?)</script>', thanks
    )
    assert block is not None
    assert '"treatment": "milia"' in block.group(1) and '"locale": "zh-Hant-HK"' in block.group(1)


async def test_unframed_thanks_page_carries_no_submitted_event(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    token = form_token((await client.get("/en/register")).text)
    clock.advance(10)
    response = await client.post("/en/register", data=VALID | {"token": token})
    thanks = (await client.get(response.headers["location"])).text
    assert "leadform-submitted" not in thanks


async def test_framed_form_with_errors_stays_framed(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    token = form_token((await client.get("/en/register?embed=1")).text)
    clock.advance(10)
    response = await client.post("/en/register?embed=1", data={"token": token})
    assert response.status_code == 422 and 'class="embed"' in response.text


async def test_framed_form_still_applies_the_minimum_fill_time(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    token = form_token((await client.get("/en/register?embed=1")).text)
    clock.advance(1)
    response = await client.post("/en/register?embed=1", data=VALID | {"token": token})
    assert response.status_code == 400 and 'class="embed"' in response.text
    assert stored(settings) == []


# --- who may frame --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/en/register", "/en/register?embed=1", "/?embed=1"])
async def test_form_pages_may_be_framed_by_the_embed_origins(
    embed_client: httpx.AsyncClient, path: str
) -> None:
    policy = (await embed_client.get(path)).headers["content-security-policy"]
    assert policy.endswith(f"frame-ancestors 'self' {BLOG} http://127.0.0.1:8001")
    assert "script-src 'self'" in policy and "style-src 'self';" in policy


async def test_thanks_page_may_be_framed_by_the_embed_origins(
    embed_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    token = form_token((await embed_client.get("/en/register")).text)
    clock.advance(10)
    response = await embed_client.post("/en/register", data=VALID | {"token": token})
    thanks = await embed_client.get(response.headers["location"])
    assert thanks.headers["content-security-policy"].endswith(
        f"'self' {BLOG} http://127.0.0.1:8001"
    )


@pytest.mark.parametrize("path", ["/en/terms", "/en/privacy", "/healthz", "/embed.js", "/nope"])
async def test_other_pages_may_not_be_framed_at_all(
    embed_client: httpx.AsyncClient, path: str
) -> None:
    policy = (await embed_client.get(path)).headers["content-security-policy"]
    assert policy.endswith("frame-ancestors 'none'")


async def test_without_embed_origins_only_the_service_frames_its_form(
    client: httpx.AsyncClient,
) -> None:
    policy = (await client.get("/en/register")).headers["content-security-policy"]
    assert policy.endswith("frame-ancestors 'self'")


# --- attribution ----------------------------------------------------------------

EMBED_QUERY = {
    "embed": "1",
    "utm_source": "newsletter",
    "utm_medium": "email",
    "utm_campaign": "spring milia",
    "utm_term": "milia removal",
    "utm_content": "hero",
    "gclid": "Cj0KCQiA-abc_123",
    "fbclid": "IwAR2xyz",
    "page_url": "https://blog.example.com/milia?utm_source=newsletter#form",
    "referrer": "https://www.google.com/",
}


async def test_attribution_from_the_embed_is_carried_stored_and_exported(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    html = (await client.get("/en/register", params=EMBED_QUERY)).text
    hidden = hidden_fields(html)
    assert hidden["utm_campaign"] == "spring milia"
    assert hidden["page_url"] == "https://blog.example.com/milia?utm_source=newsletter"
    clock.advance(10)
    response = await client.post("/en/register?embed=1", data=VALID | hidden)
    assert response.status_code == 303
    [row] = stored(settings)
    db = await open_database(settings.database)
    try:
        lead = await get_lead(db.reader, row["id"])
    finally:
        await db.close()
    assert lead is not None
    exported = lead_fields(lead, settings.timezone)
    assert {k: exported[k] for k in ("utm_source", "utm_medium", "utm_campaign")} == {
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "spring milia",
    }
    assert (exported["utm_term"], exported["utm_content"]) == ("milia removal", "hero")
    assert exported["page_url"] == "https://blog.example.com/milia?utm_source=newsletter"
    assert exported["referrer"] == "https://www.google.com/"
    assert (row["gclid"], row["fbclid"]) == ("Cj0KCQiA-abc_123", "IwAR2xyz")


async def test_direct_visit_keeps_its_own_query_and_referer(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    html = (
        await client.get(
            "/en/register?utm_source=flyer&utm_medium=qr",
            headers={"Referer": "https://search.example/?q=acne"},
        )
    ).text
    hidden = hidden_fields(html)
    assert hidden["utm_source"] == "flyer" and hidden["utm_medium"] == "qr"
    assert hidden["page_url"] == "http://testserver/en/register?utm_source=flyer&utm_medium=qr"
    assert hidden["referrer"] == "https://search.example/?q=acne"
    clock.advance(10)
    await client.post("/en/register", data=VALID | hidden)
    [row] = stored(settings)
    assert (row["utm_source"], row["utm_medium"], row["utm_campaign"]) == ("flyer", "qr", "")


async def test_invalid_attribution_is_dropped_and_the_lead_still_stored(
    client: httpx.AsyncClient, clock: FakeClock, settings: Settings
) -> None:
    token = form_token((await client.get("/en/register")).text)
    clock.advance(10)
    junk = {"utm_source": "x" * 500, "gclid": "<script>", "page_url": "javascript:alert(1)"}
    response = await client.post("/en/register", data=VALID | junk | {"token": token})
    assert response.status_code == 303
    [row] = stored(settings)
    assert (row["utm_source"], row["gclid"], row["page_url"]) == ("", "", "")


async def test_attribution_survives_a_form_sent_back_with_errors(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    html = (await client.get("/en/register", params=EMBED_QUERY)).text
    clock.advance(10)
    again = await client.post("/en/register?embed=1", data=hidden_fields(html))
    assert again.status_code == 422
    assert hidden_fields(again.text)["gclid"] == "Cj0KCQiA-abc_123"


# --- the honeypot markup --------------------------------------------------------


async def test_honeypot_is_hidden_by_class_and_skipped_by_assistive_tech(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/en/register")).text
    wrapper = re.search(r'<div class="form-extra" aria-hidden="true">(.*?)</div>', html, re.S)
    assert wrapper is not None
    field = re.search(r'<input id="website"[^>]*>', wrapper.group(1))
    assert field is not None
    control = field.group(0)
    assert 'tabindex="-1"' in control and 'autocomplete="off"' in control
    assert "required" not in control and "style=" not in control
    css = (await client.get("/static/leadform.css")).text
    assert re.search(r"\.form-extra \{[^}]*left: -10000px", css)


# --- the example page -----------------------------------------------------------


async def test_example_landing_page_is_off_by_default(client: httpx.AsyncClient) -> None:
    assert (await client.get("/examples/landing")).status_code == 404


async def test_example_landing_page_embeds_three_forms(
    environ: dict[str, str], clock: FakeClock
) -> None:
    settings = load_settings(environ | {"LEADFORM_EXAMPLES": "1"})
    async with serve(settings, clock) as c:
        own = await c.get("/examples/landing")
        other = await c.get("/examples/landing?form_origin=http://127.0.0.1:8001")
        bad = await c.get('/examples/landing?form_origin=http://a"b')
        script = await c.get("/examples/landing.js")
    assert own.status_code == 200 and own.text.count('src="/embed.js"') == 3
    assert other.text.count('src="http://127.0.0.1:8001/embed.js"') == 3
    assert {'data-locale="zh-hant-hk"', 'data-treatment="acne"', 'data-target="form-sidebar"'} <= {
        m for m in re.findall(r'data-[a-z]+="[^"]+"', own.text)
    }
    policy = other.headers["content-security-policy"]
    assert "frame-src 'self' http://127.0.0.1:8001" in policy
    assert bad.status_code == 404
    assert script.headers["content-type"].startswith("text/javascript")
