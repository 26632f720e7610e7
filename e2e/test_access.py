"""Accessibility: axe-core's WCAG 2.2 A/AA rules on every state of the form, in each
language, and what axe cannot see: labels, declared languages, announced errors."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import OpenPage
from e2e.visitor import (
    Answers,
    a_bookable_day,
    fill_form,
    language,
    languages,
    open_form,
    submit,
)

Check = Callable[[Page], None]


def test_empty_form_has_no_accessibility_violations(
    page: Page, lang: str, assert_accessible: Check
) -> None:
    open_form(page, lang)
    assert_accessible(page)


def test_form_with_errors_from_the_browser_has_no_accessibility_violations(
    page: Page, lang: str, assert_accessible: Check
) -> None:
    open_form(page, lang)
    submit(page)
    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(page)


def test_form_with_errors_from_the_server_has_no_accessibility_violations(
    open_page: OpenPage, lang: str, assert_accessible: Check
) -> None:
    page = open_page(lang)
    open_form(page, lang)
    fill_form(page, Answers("Chan", phone="1234", email="x@", preferred_date=a_bookable_day(page)))
    submit(page)
    expect(page.locator("#phone-error")).to_be_visible()
    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(page)


def test_thanks_page_has_no_accessibility_violations(
    page: Page, lang: str, assert_accessible: Check
) -> None:
    open_form(page, lang)
    fill_form(page, Answers("Chan Tai Man", preferred_date=a_bookable_day(page)))
    submit(page)
    page.wait_for_url(re.compile(r"/thanks/"))
    assert_accessible(page)


def test_policy_pages_have_no_accessibility_violations(
    page: Page, lang: str, assert_accessible: Check
) -> None:
    for policy in ("terms", "privacy"):
        page.goto(f"/{lang}/{policy}")
        assert_accessible(page)


def test_every_control_has_a_label(page: Page, lang: str) -> None:
    open_form(page, lang)
    unlabelled = page.eval_on_selector_all(
        "input:not([type=hidden]), select, textarea, button",
        """els => els.filter(el => !(el.labels && el.labels.length)
                && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')
                && !(el.tagName === 'BUTTON' && el.textContent.trim())).map(el => el.outerHTML)""",
    )
    assert unlabelled == []


def test_pages_declare_their_language(page: Page, lang: str) -> None:
    open_form(page, lang)
    assert page.get_attribute("html", "lang") == language(lang).tag
    # Each entry of the switch is marked up in its own language.
    for link in page.locator(".language-switch [lang]").all():
        assert link.get_attribute("lang") in {known.tag for known in languages().all}


def test_errors_are_announced_by_focusing_the_summary(page: Page, lang: str) -> None:
    open_form(page, lang)
    submit(page)
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    assert summary.get_attribute("role") == "alert"
    assert summary.get_attribute("aria-labelledby") == "error-summary-title"
    # Each control points to its message, so it is read out with the control.
    described = page.get_attribute("#name", "aria-describedby") or ""
    assert "name-error" in described.split()
