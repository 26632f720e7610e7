"""Debian's Chromium under Playwright, and what every page is checked for.

Never `playwright install`: the browser is Debian's (`apt-get install chromium
fonts-noto-cjk`), found at LEADFORM_E2E_CHROMIUM (default /usr/bin/chromium).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Response,
    ViewportSize,
)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("LEADFORM_E2E_CHROMIUM", "/usr/bin/chromium"))
# Without the networking flags Chromium keeps calling home, and this machine refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = Path(
    os.environ.get("LEADFORM_E2E_AXE", ROOT / "e2e/.axe/node_modules/axe-core/axe.min.js")
)
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
ERROR_STATUS_LOG = "console error: Failed to load resource: the server responded with a status"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

PHONE: ViewportSize = {"width": 390, "height": 844}
NARROW_PHONE: ViewportSize = {"width": 320, "height": 640}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
BROWSER_LOCALES = {"en": "en-HK", "zh-hant-hk": "zh-HK", "zh-hans-cn": "zh-CN"}


def launch(playwright: Playwright) -> Browser:
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} not found: install Debian's chromium and fonts-noto-cjk "
            "(apt-get install chromium fonts-noto-cjk) or set LEADFORM_E2E_CHROMIUM"
        )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@dataclass
class PageWatch:
    """Collects what should never happen on a page: console errors, uncaught
    exceptions, failed requests and error statuses of anything but a page itself.

    A page may have an error status on purpose (the form sent back with errors is a
    422); Chromium logs "Failed to load resource" for it, which is not counted.
    """

    events: list[tuple[str, str]] = field(default_factory=list)  # (problem, url)
    error_pages: set[str] = field(default_factory=set)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.events.append((f"uncaught exception: {error}", "")))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def allow(self, pattern: str) -> None:
        """Tolerate problems matching `pattern` (a test that causes them on purpose)."""
        self.allowed.append(re.compile(pattern))

    @property
    def problems(self) -> list[str]:
        return [
            problem
            for problem, url in self.events
            if not (problem.startswith(ERROR_STATUS_LOG) and url in self.error_pages)
            and not any(pattern.search(problem) for pattern in self.allowed)
        ]

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            url = message.location.get("url", "")
            self.events.append((f"console error: {message.text} ({url})", url))

    def _failed(self, request: Request) -> None:
        self.events.append(
            (f"request failed: {request.method} {request.url}: {request.failure}", request.url)
        )

    def _response(self, response: Response) -> None:
        if response.status < 400:
            return
        if response.request.resource_type == "document":
            self.error_pages.add(response.url)
        else:
            problem = f"HTTP {response.status}: {response.request.method} {response.url}"
            self.events.append((problem, response.url))


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now.

    Injected through the DevTools protocol, which the page's CSP does not govern,
    so the CSP stays on and its violations still show as console errors.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    options = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
    result = page.evaluate("options => axe.run(document, options)", options)
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"  {json.dumps(node['target'])}: {node['failureSummary']}")
    return "\n".join(lines)


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG in test-artifacts/e2e for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{safe_name(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
