"""The one-tag embed in a real browser: the example article served by one origin, its
three forms by another. Sizing without scroll bars, language and treatment per tag,
the success event and dataLayer entry, attribution from the host page's address, and
messages from anywhere else ignored."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from playwright.sync_api import ElementHandle, Frame, Page, ViewportSize

from e2e.browser import DESKTOP, NARROW_PHONE
from e2e.conftest import OpenPage
from e2e.visitor import unique_name
from tests.servers import Server, running_server

# slot id on the example page -> (the form's <html lang>, the preselected treatment)
SLOTS = {
    "form-milia": ("zh-Hant-HK", "milia"),  # data-locale="zh-hant-hk"
    "form-acne": ("en", "acne"),  # no data-locale: the article's <html lang="en">
    "form-sidebar": ("zh-Hant-HK", "acne"),  # data-locale="zh-hk", data-target
}
CAMPAIGN = {"utm_source": "newsletter", "utm_campaign": "spring milia", "gclid": "Cj0-abc_1"}
# embed.js starts each iframe at 640px, then sets the form's own height.
ALL_SIZED = """() => {
    const frames = [...document.querySelectorAll("iframe.leadform-frame")];
    return frames.length === 3 && frames.every(f => f.style.height !== "640px");
}"""


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The blog: serves only the example article (another origin than the forms)."""
    with running_server(tmp_path_factory.mktemp("blog"), LEADFORM_EXAMPLES="1") as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, landing: Server) -> Iterator[Server]:
    """The form service, allowing the blog to frame it."""
    folder = tmp_path_factory.mktemp("forms")
    with running_server(folder, LEADFORM_EMBED_ORIGINS=landing.base_url) as running:
        yield running


def open_article(
    open_page: OpenPage,
    landing: Server,
    server: Server,
    viewport: ViewportSize = DESKTOP,
) -> Page:
    page = open_page("en", viewport=viewport)
    query = urlencode({"form_origin": server.base_url} | CAMPAIGN)
    page.goto(landing.url(f"/examples/landing?{query}"), referer="https://www.google.com/")
    page.wait_for_function(ALL_SIZED)
    return page


def iframe(page: Page, slot: str) -> ElementHandle:
    handle = page.query_selector(f"#{slot} iframe.leadform-frame")
    assert handle is not None, slot
    return handle


def frame_of(page: Page, slot: str) -> Frame:
    content = iframe(page, slot).content_frame()
    assert content is not None
    return content


def height(page: Page, slot: str) -> float:
    box = iframe(page, slot).bounding_box()
    assert box is not None
    return box["height"]


def scroll_size(frame: Frame) -> dict[str, int]:
    size: dict[str, int] = frame.evaluate(
        """() => ({scroll: document.documentElement.scrollHeight, view: innerHeight,
                   scrollWidth: document.documentElement.scrollWidth, viewWidth: innerWidth})"""
    )
    return size


@pytest.mark.parametrize("viewport", [NARROW_PHONE, DESKTOP], ids=["320px", "desktop"])
def test_three_forms_in_their_languages_fit_their_frames_without_scrolling(
    open_page: OpenPage, landing: Server, server: Server, viewport: ViewportSize
) -> None:
    page = open_article(open_page, landing, server, viewport)
    for slot, (html_lang, treatment) in SLOTS.items():
        frame = frame_of(page, slot)
        assert frame.evaluate("document.documentElement.lang") == html_lang, slot
        assert frame.is_checked(f"#treatment-{treatment}"), slot
        assert frame.evaluate("document.querySelector('.site-header')") is None
        size = scroll_size(frame)
        assert size["scroll"] == size["view"], slot  # nothing hidden, no inner scroll bar
        assert size["scrollWidth"] <= size["viewWidth"], slot
        assert abs(height(page, slot) - size["view"]) <= 1


def test_frame_grows_with_errors_shrinks_on_thanks_and_tells_the_page(
    open_page: OpenPage, landing: Server, server: Server
) -> None:
    page = open_article(open_page, landing, server)
    page.evaluate(
        """() => { window.seen = [];
        document.addEventListener("leadform:submitted", e => window.seen.push(
            {slot: e.target.closest("[data-example-slot]").dataset.exampleSlot, ...e.detail})); }"""
    )
    slot = "form-acne"
    empty = height(page, slot)
    frame = frame_of(page, slot)
    frame.fill("#phone", "123")
    frame.click("button[type=submit]")
    page.wait_for_function(
        f"() => document.querySelector('#{slot} iframe').getBoundingClientRect().height > {empty}"
    )
    with_errors = height(page, slot)

    name = unique_name("Embed")
    frame = frame_of(page, slot)
    frame.fill("#name", name)
    frame.fill("#phone", "6123 4567")
    frame.fill("#preferred_date", frame.get_attribute("#preferred_date", "min") or "")
    frame.check("#consent_terms")
    frame.click("button[type=submit]")
    page.wait_for_function("() => window.seen.length === 1")

    [lead] = server.leads(name=name)
    assert page.evaluate("window.seen") == [
        {"slot": slot, "treatment": "acne", "locale": "en", "reference": lead["reference"]}
    ]
    assert page.evaluate("window.dataLayer") == [
        {
            "event": "leadform_submitted",
            "treatment": "acne",
            "locale": "en",
            "reference": lead["reference"],
        }
    ]
    assert lead["reference"] in page.inner_text("#conversions")
    page.wait_for_function(
        f"() => document.querySelector('#{slot} iframe').getBoundingClientRect().height"
        f" < {with_errors}"
    )
    thanks = scroll_size(frame_of(page, slot))
    assert thanks["scroll"] == thanks["view"]
    # the campaign came from the article's address, which the frame cannot see
    assert (lead["utm_source"], lead["utm_campaign"], lead["gclid"]) == (
        "newsletter",
        "spring milia",
        "Cj0-abc_1",
    )
    assert lead["page_url"].startswith(landing.url("/examples/landing?"))
    assert lead["referrer"] == "https://www.google.com/"


def test_messages_from_anywhere_but_the_forms_own_frame_are_ignored(
    open_page: OpenPage, landing: Server, server: Server
) -> None:
    page = open_article(open_page, landing, server)
    before = height(page, "form-milia")
    page.evaluate(
        """() => {
        window.seen = 0;
        document.addEventListener("leadform:submitted", () => window.seen++);
        const forged = [{type: "leadform:resize", height: 99999},
            {type: "leadform:submitted", treatment: "acne", locale: "en", reference: "FORGED"}];
        forged.forEach(m => window.postMessage(m, "*"));
        // Messages arrive in order: once this one has, the forged ones were handled.
        window.addEventListener("message", e => { if (e.data === "probe") window.done = true; });
        window.postMessage("probe", "*");
    }"""
    )
    page.wait_for_function("() => window.done === true")
    assert height(page, "form-milia") == before
    assert page.evaluate("window.seen") == 0 and page.evaluate("window.dataLayer") == []
