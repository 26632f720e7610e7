"""How pages travel: compression, the page-weight budget, the script's hooks."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import FakeClock, error_messages, form_token

pytestmark = pytest.mark.anyio

PAGE_BUDGET = 40 * 1024  # the form's HTML, CSS and JS together, uncompressed


@pytest.mark.parametrize("tag", ["en", "zh-hant-hk"])
async def test_form_page_with_its_css_and_js_weighs_under_40kb(
    client: httpx.AsyncClient, clock: FakeClock, tag: str
) -> None:
    token = form_token((await client.get(f"/{tag}/register")).text)
    clock.advance(10)
    # The heaviest state: the form sent back with a message for every field.
    page = await client.post(f"/{tag}/register", data={"token": token})
    assert len(error_messages(page.text)) == 5
    urls = re.findall(r'(?:href="|src=")(/static/[^"]+\.(?:css|js))"', page.text)
    assert len(urls) == 2
    sizes = [len(page.content)] + [len((await client.get(url)).content) for url in urls]
    assert sum(sizes) < PAGE_BUDGET, sizes


@pytest.mark.parametrize("path", ["/en/register", "/static/leadform.css", "/static/leadform.js"])
async def test_text_responses_are_gzipped_when_the_browser_accepts_it(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path, headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["vary"]


async def test_responses_are_plain_for_a_client_without_gzip(client: httpx.AsyncClient) -> None:
    response = await client.get("/en/register", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in response.headers
