"""What a visitor does with the registration form, and what the test reads back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from pathlib import Path

from playwright.sync_api import Page, expect

from leadform.i18n.languages import Language, Languages, load_languages
from leadform.i18n.messages import Message
from leadform.registration.dates import BookableRange
from tests.servers import open_day_after

ROOT = Path(__file__).resolve().parent.parent
MAX_TABS = 30


@dataclass(frozen=True)
class Answers:
    name: str
    phone: str = "9123 4567"
    email: str = "chan@example.com"
    treatment: str = "milia"
    preferred_date: str = ""  # ISO; empty: leave the field alone
    consent_terms: bool = True
    consent_marketing: bool = False

    def but(self, **changes: object) -> Answers:
        return replace(self, **changes)  # type: ignore[arg-type]


def unique_name(prefix: str = "Chan Tai Man") -> str:
    """A name no other test uses, so tests sharing a server find their own lead."""
    return f"{prefix} {uuid.uuid4().hex[:8]}"


@cache
def languages() -> Languages:
    return load_languages(ROOT / "locales", "en")


def language(url_tag: str) -> Language:
    found = languages().exact(url_tag)
    assert found is not None, url_tag
    return found


def translate(url_tag: str, message: Message) -> str:
    """The message as the server words it in that language."""
    return language(url_tag).translate(message)


def open_form(page: Page, lang: str, query: str = "") -> None:
    page.goto(f"/{lang}/register{query}")
    expect(page.locator("form.lead-form")).to_be_visible()


def bookable(page: Page) -> BookableRange:
    """The bookable range the server put on the date field."""
    field = page.locator("#preferred_date")
    earliest = date.fromisoformat(field.get_attribute("min") or "")
    latest = date.fromisoformat(field.get_attribute("max") or "")
    return BookableRange(earliest, latest)


def closed_days(page: Page) -> dict[str, str]:
    """The closed days the server put on the date field, each with its message
    (`data-msg-closed-2026-12-25`), as the script reads them."""
    found = page.eval_on_selector(
        "[data-field=preferred_date]",
        """el => Object.fromEntries(Array.from(el.attributes)
            .filter(a => a.name.startsWith("data-msg-closed-"))
            .map(a => [a.name.slice("data-msg-closed-".length), a.value]))""",
    )
    return dict(found)


def a_bookable_day(page: Page) -> str:
    """An open day a few days after the earliest, from what the page carries."""
    rule = bookable(page)
    described = {
        "earliest": rule.earliest.isoformat(),
        "latest": rule.latest.isoformat(),
        "closed": [{"date": day} for day in closed_days(page)],
    }
    return open_day_after(described, days=3)


def fill_form(page: Page, answers: Answers) -> None:
    page.fill("#name", answers.name)
    page.fill("#phone", answers.phone)
    page.fill("#email", answers.email)
    if answers.treatment:
        page.check(f"#treatment-{answers.treatment}")
    if answers.preferred_date:
        page.fill("#preferred_date", answers.preferred_date)
    page.set_checked("#consent_terms", answers.consent_terms)
    page.set_checked("#consent_marketing", answers.consent_marketing)


def type_date(page: Page, selector: str, iso: str) -> None:
    """Type a date into a date field key by key, as a visitor does without the picker.

    Headless Chromium lays the field out month/day/year whatever the locale; the
    assertion makes a change of that layout fail loudly instead of typing nonsense.
    """
    day = date.fromisoformat(iso)
    page.focus(selector)
    page.keyboard.type(f"{day.month:02d}{day.day:02d}{day.year:04d}")
    assert page.input_value(selector) == iso


def has_focus(page: Page, selector: str) -> bool:
    return bool(
        page.evaluate(
            "s => !!document.activeElement && document.activeElement.matches(s)", selector
        )
    )


def tab_to(page: Page, selector: str) -> int:
    """Press Tab until the element matching `selector` has focus; how many presses."""
    for presses in range(MAX_TABS):
        if has_focus(page, selector):
            return presses
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} not reached with {MAX_TABS} presses of Tab")


def submit(page: Page) -> None:
    page.click("button[type=submit]")


def field_error(page: Page, field: str) -> str:
    """The message shown above a field, without its visually hidden "Error:" prefix."""
    return str(page.locator(f"#{field}-error").evaluate("el => el.lastChild.textContent.trim()"))


def field_errors(page: Page) -> dict[str, str]:
    found = page.eval_on_selector_all(
        ".error-message",
        "els => els.map(el => [el.id.replace(/-error$/, ''), el.lastChild.textContent.trim()])",
    )
    return dict(found)


def summary_links(page: Page) -> list[tuple[str, str]]:
    """(target, text) of each link in the error summary."""
    found = page.eval_on_selector_all(
        "#error-summary a", "els => els.map(a => [a.getAttribute('href'), a.textContent.trim()])"
    )
    return [(href, text) for href, text in found]


def focused_id(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement && document.activeElement.id"))
