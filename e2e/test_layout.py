"""The layout on small phones and desktops: no sideways scrolling, every control
whole and on screen, in each language, with and without error messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from e2e.browser import DESKTOP, NARROW_PHONE, PHONE
from e2e.conftest import OpenPage
from e2e.visitor import open_form, submit

Shot = Callable[[Page, str], Path]
CONTROLS = "input:not([type=hidden]), button, select, textarea, a"


def overflowing_controls(page: Page) -> list[str]:
    """Controls not wholly inside the viewport's width, or with no size at all (except
    the honeypot, which is off-screen on purpose)."""
    found: list[str] = page.eval_on_selector_all(
        CONTROLS,
        """els => els.filter(el => {
            if (el.closest(".form-extra")) return false;
            const box = el.getBoundingClientRect();
            return box.width === 0 || box.height === 0 || box.left < 0
                || box.right > document.documentElement.clientWidth;
        }).map(el => el.outerHTML.slice(0, 120))""",
    )
    return found


def scrolls_sideways(page: Page) -> bool:
    return bool(
        page.evaluate(
            "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
    )


@pytest.mark.parametrize(
    "viewport", [NARROW_PHONE, PHONE, DESKTOP], ids=["320px", "390x844", "desktop"]
)
@pytest.mark.parametrize("with_errors", [False, True], ids=["empty", "errors"])
def test_no_sideways_scrolling_and_every_control_visible(
    open_page: OpenPage, lang: str, shot: Shot, viewport: ViewportSize, with_errors: bool
) -> None:
    page = open_page(lang, viewport=viewport)
    open_form(page, lang)
    if with_errors:
        submit(page)
        expect(page.locator("#error-summary")).to_be_visible()
    shot(page, "layout")
    assert not scrolls_sideways(page)
    assert overflowing_controls(page) == []


def test_inputs_use_16px_text_or_larger_so_phones_do_not_zoom(page: Page, lang: str) -> None:
    open_form(page, lang)
    sizes = page.eval_on_selector_all(
        "input:not([type=hidden]):not([type=radio]):not([type=checkbox])",
        "els => els.map(el => parseFloat(getComputedStyle(el).fontSize))",
    )
    assert sizes and min(sizes) >= 16


def test_touch_targets_are_at_least_44px_high(page: Page, lang: str) -> None:
    open_form(page, lang)
    small = page.eval_on_selector_all(
        "input[type=text], input[type=tel], input[type=email], input[type=date], button, "
        ".choices .choice, .language-switch a",
        "els => els.filter(el => el.getBoundingClientRect().height < 44).map(el => el.outerHTML)",
    )
    assert small == []


def test_keyboard_focus_shows_a_clear_ring(page: Page, lang: str) -> None:
    open_form(page, lang)
    rings = []
    for _ in range(12):  # through the switch, the fields, the choices and the links
        page.keyboard.press("Tab")
        rings.append(
            page.evaluate(
                """() => { const el = document.activeElement, s = getComputedStyle(el);
                    return [el.outerHTML.slice(0, 60), el.matches(':focus'),
                            s.outlineStyle, parseFloat(s.outlineWidth)]; }"""
            )
        )
    # Not ':focus': the date field's own calendar button, which Chromium rings itself.
    faint = [html for html, own, style, width in rings if own and (style == "none" or width < 2)]
    assert faint == []
    assert sum(1 for _, own, _, _ in rings if own) >= 10
