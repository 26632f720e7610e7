"""What travels over the wire from the real server: compressed text, long-lived
static files under content-hashed names, and a light page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, Response

from e2e.visitor import open_form

PAGE_BUDGET = 40 * 1024  # HTML + CSS + JS, uncompressed


def test_form_page_is_under_40kb_and_sent_compressed(page: Page, lang: str) -> None:
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    open_form(page, lang)
    page.wait_for_load_state("load")

    text = [r for r in responses if r.request.resource_type in {"document", "stylesheet", "script"}]
    assert {r.request.resource_type for r in text} == {"document", "stylesheet", "script"}
    assert sum(len(r.body()) for r in text) < PAGE_BUDGET
    for response in text:
        assert response.headers.get("content-encoding") == "gzip", response.url


def test_static_files_have_hashed_names_and_a_long_lifetime(page: Page, lang: str) -> None:
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    open_form(page, lang)
    page.wait_for_load_state("load")

    static = [r for r in responses if "/static/" in r.url]
    assert static
    for response in static:
        assert re.search(r"\.[0-9a-f]{10}\.(css|js|svg)$", response.url), response.url
        assert "immutable" in response.headers["cache-control"]
