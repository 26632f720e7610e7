"""Fixtures for browser tests: one Chromium per session, one `leadform serve` per
test module, and pages that fail their test on any console error or failed request.

Further test files use `server`, `open_page` (or `page`), `lang`, `shot` and
`assert_accessible` as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

from e2e.browser import (
    AXE_JS,
    BROWSER_LOCALES,
    PHONE,
    PageWatch,
    describe_violations,
    launch,
    run_axe,
    safe_name,
    screenshot,
)
from tests.servers import Server, running_server

LANGUAGES = ["en", "zh-hant-hk", "zh-hans-cn"]


class OpenPage(Protocol):
    def __call__(
        self,
        lang: str = "en",
        *,
        viewport: ViewportSize = PHONE,
        javascript: bool = True,
        **context_options: Any,
    ) -> Page: ...


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = launch(playwright)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real service for the module's tests; tests tell their leads apart by name.
    Closed on Sundays (and Hong Kong's public holidays, the default), as many clinics
    are: every test takes its day from what the page says is open."""
    folder = tmp_path_factory.mktemp("server")
    with running_server(folder, LEADFORM_CLOSED_WEEKDAYS="sun") as running:
        yield running


@pytest.fixture(params=LANGUAGES)
def lang(request: pytest.FixtureRequest) -> str:
    """The URL tag of each language the form speaks."""
    tag: str = request.param
    return tag


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def open_page(browser: Browser, server: Server, watch: PageWatch) -> Iterator[OpenPage]:
    """Open pages as a visitor in a language would (browser locale, Accept-Language);
    each page's console errors and failed requests fail the test."""
    contexts: list[BrowserContext] = []

    def open_(
        lang: str = "en",
        *,
        viewport: ViewportSize = PHONE,
        javascript: bool = True,
        **context_options: Any,
    ) -> Page:
        context = browser.new_context(
            base_url=server.base_url,
            viewport=viewport,
            locale=BROWSER_LOCALES[lang],
            java_script_enabled=javascript,
            **context_options,
        )
        contexts.append(context)
        page = context.new_page()
        watch.attach(page)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not watch.problems, "the browser reported:\n" + "\n".join(watch.problems)


@pytest.fixture
def page(open_page: OpenPage, lang: str) -> Page:
    return open_page(lang)


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """Save a screenshot named after the test and the state it shows."""

    def take(page: Page, state: str) -> Path:
        return screenshot(page, f"{safe_name(request.node.name)}--{state}")

    return take


@pytest.fixture(scope="session")
def axe_available() -> None:
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} not found: `make test-e2e` installs axe-core from npm")


@pytest.fixture
def assert_accessible(axe_available: None) -> Callable[[Page], None]:
    def check(page: Page) -> None:
        violations = run_axe(page)
        assert not violations, "axe-core found WCAG 2.2 A/AA violations:\n" + describe_violations(
            violations
        )

    return check
