"""The form as a visitor uses it, in each language: submitting, errors, dates typed by
hand, the keyboard alone, no JavaScript, double clicks and the language switch."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.browser import PageWatch
from e2e.conftest import OpenPage
from e2e.visitor import (
    Answers,
    a_bookable_day,
    bookable,
    field_error,
    field_errors,
    fill_form,
    focused_id,
    has_focus,
    language,
    open_form,
    submit,
    summary_links,
    tab_to,
    translate,
    type_date,
    unique_name,
)
from leadform.i18n.messages import Message
from leadform.registration import rules
from leadform.registration.dates import BookableRange
from tests.servers import Server

Shot = Callable[[Page, str], Path]


def thanks_url(lang: str) -> re.Pattern[str]:
    return re.compile(rf"/{lang}/thanks/[^/]+$")


def other_language(lang: str) -> str:
    return "zh-hant-hk" if lang == "en" else "en"


def test_submitted_form_lands_on_thanks_in_the_same_language_and_is_stored(
    page: Page, lang: str, server: Server, shot: Shot
) -> None:
    open_form(page, lang)
    shot(page, "empty")
    name = unique_name()
    day = a_bookable_day(page)
    fill_form(page, Answers(name, preferred_date=day, consent_marketing=True))
    shot(page, "filled")
    submit(page)

    page.wait_for_url(thanks_url(lang))
    shot(page, "thanks")
    assert page.evaluate("() => document.documentElement.lang") == language(lang).tag
    reference = page.locator(".reference").inner_text()
    [lead] = server.leads(name=name)
    assert lead["reference"] == reference
    assert lead["locale"] == language(lang).tag
    assert (lead["phone"], lead["treatment"], lead["preferred_date"]) == (
        "+85291234567",
        "milia",
        day,
    )
    assert lead["consent_marketing"] == 1


# (case, changes to a valid form, field, the server's message); the browser checks
# some of these itself, the server the rest: the visitor sees the same either way.
ERROR_CASES: list[
    tuple[
        str, Callable[[BookableRange], dict[str, object]], str, Callable[[BookableRange], Message]
    ]
] = [
    ("name-missing", lambda b: {"name": ""}, "name", lambda b: rules.NAME_MISSING),
    ("name-blank", lambda b: {"name": "   "}, "name", lambda b: rules.NAME_MISSING),
    ("phone-missing", lambda b: {"phone": ""}, "phone", lambda b: rules.PHONE_MISSING),
    ("phone-invalid", lambda b: {"phone": "1234"}, "phone", lambda b: rules.PHONE_INVALID),
    ("email-invalid", lambda b: {"email": "not-an-email"}, "email", lambda b: rules.EMAIL_INVALID),
    (
        "treatment-missing",
        lambda b: {"treatment": ""},
        "treatment",
        lambda b: rules.TREATMENT_MISSING,
    ),
    (
        "date-missing",
        lambda b: {"preferred_date": ""},
        "preferred_date",
        lambda b: rules.DATE_MISSING,
    ),
    (
        "date-too-early",
        lambda b: {"preferred_date": (b.earliest - timedelta(days=1)).isoformat()},
        "preferred_date",
        rules.date_too_early,
    ),
    (
        "date-too-late",
        lambda b: {"preferred_date": (b.latest + timedelta(days=1)).isoformat()},
        "preferred_date",
        rules.date_too_late,
    ),
    (
        "consent-missing",
        lambda b: {"consent_terms": False},
        "consent_terms",
        lambda b: rules.CONSENT_MISSING,
    ),
]
# Where the summary links to: the control, or the first radio button of a group.
LINK_TARGETS = {"treatment": "treatment-acne"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_each_error_is_shown_by_its_field_and_in_the_summary(
    page: Page,
    lang: str,
    server: Server,
    shot: Shot,
    changes: Callable[[BookableRange], dict[str, object]],
    field: str,
    message: Callable[[BookableRange], Message],
) -> None:
    open_form(page, lang)
    bookable_range = bookable(page)
    name = unique_name()
    answers = Answers(name, preferred_date=a_bookable_day(page)).but(**changes(bookable_range))
    fill_form(page, answers)
    submit(page)

    expected = translate(lang, message(bookable_range))
    expect(page.locator("#error-summary")).to_be_focused()
    shot(page, "error")
    assert field_errors(page) == {field: expected}
    assert summary_links(page) == [(f"#{LINK_TARGETS.get(field, field)}", expected)]
    control = page.locator(f"#{LINK_TARGETS.get(field, field)}")
    assert control.get_attribute("aria-invalid") == "true"
    assert page.title().startswith(language(lang).gettext("Error:"))
    assert server.leads(name=answers.name) == []


def test_browser_and_server_give_the_same_messages(open_page: OpenPage, lang: str) -> None:
    shown = []
    for javascript in (True, False):
        page = open_page(lang, javascript=javascript)
        open_form(page, lang)
        submit(page)
        expect(page.locator("#error-summary")).to_be_visible()
        shown.append((field_errors(page), summary_links(page)))
    with_script, without_script = shown
    assert with_script == without_script
    assert set(with_script[0]) == {"name", "phone", "treatment", "preferred_date", "consent_terms"}


def test_date_before_the_minimum_typed_by_hand_is_refused_by_the_browser(
    page: Page, lang: str, shot: Shot
) -> None:
    open_form(page, lang)
    bookable_range = bookable(page)
    fill_form(page, Answers(unique_name()))
    type_date(page, "#preferred_date", (bookable_range.earliest - timedelta(days=1)).isoformat())
    posts: list[str] = []
    page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )
    submit(page)

    expect(page.locator("#error-summary")).to_be_focused()
    shot(page, "refused")
    assert posts == []
    assert field_error(page, "preferred_date") == translate(
        lang, rules.date_too_early(bookable_range)
    )


def test_date_before_the_minimum_is_refused_by_the_server_without_javascript(
    open_page: OpenPage, lang: str, shot: Shot
) -> None:
    page = open_page(lang, javascript=False)
    open_form(page, lang)
    bookable_range = bookable(page)
    fill_form(page, Answers(unique_name()))
    type_date(page, "#preferred_date", (bookable_range.earliest - timedelta(days=1)).isoformat())
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        submit(page)

    assert response.value.status == 422
    shot(page, "refused")
    assert field_error(page, "preferred_date") == translate(
        lang, rules.date_too_early(bookable_range)
    )


def test_keyboard_alone_takes_a_visitor_from_the_first_field_to_thanks(
    page: Page, lang: str, server: Server
) -> None:
    open_form(page, lang)
    day = a_bookable_day(page)
    name = unique_name()
    tab_to(page, "#name")
    page.keyboard.type(name)
    for selector, keys in [
        ("#phone", "9123 4567"),
        ("#email", "chan@example.com"),
    ]:
        page.keyboard.press("Tab")
        assert has_focus(page, selector)
        page.keyboard.type(keys)
    page.keyboard.press("Tab")
    assert has_focus(page, "#treatment-acne")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert has_focus(page, "#preferred_date")
    type_date(page, "#preferred_date", day)
    # Chromium's date field keeps one more stop (its calendar button) before leaving.
    assert tab_to(page, "#consent_terms") <= 2
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    page.wait_for_url(thanks_url(lang))
    [lead] = server.leads(name=name)
    assert (lead["treatment"], lead["preferred_date"], lead["email"]) == (
        "acne",
        day,
        "chan@example.com",
    )


def test_form_works_without_javascript(
    open_page: OpenPage, lang: str, server: Server, shot: Shot
) -> None:
    page = open_page(lang, javascript=False)
    open_form(page, lang)
    name = unique_name()
    fill_form(page, Answers(name, phone="", preferred_date=a_bookable_day(page)))
    submit(page)
    assert field_errors(page) == {"phone": translate(lang, rules.PHONE_MISSING)}
    shot(page, "error")
    assert page.input_value("#name") == name

    page.fill("#phone", "+852 9123 4567")
    submit(page)
    page.wait_for_url(thanks_url(lang))
    shot(page, "thanks")
    assert len(server.leads(name=name)) == 1


def test_summary_link_moves_focus_to_its_field(page: Page, lang: str) -> None:
    open_form(page, lang)
    fill_form(page, Answers(unique_name(), treatment="", preferred_date=a_bookable_day(page)))
    submit(page)
    page.locator("#error-summary a").click()
    assert focused_id(page) == "treatment-acne"


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_double_click_on_submit_stores_one_lead(
    open_page: OpenPage, lang: str, server: Server, watch: PageWatch, javascript: bool
) -> None:
    page = open_page(lang, javascript=javascript)
    # Without the script the second click sends the form again and the browser drops
    # the first answer, as it does for any page replaced while loading.
    watch.allow(r"request failed: POST .*/register: net::ERR_ABORTED")
    open_form(page, lang)
    name = unique_name()
    fill_form(page, Answers(name, preferred_date=a_bookable_day(page)))
    page.dblclick("button[type=submit]")

    # Polled, not awaited as one navigation: without the script the first navigation
    # is the one the browser aborts, and waiting on it fails although the second lands.
    expect(page).to_have_url(thanks_url(lang), timeout=30_000)
    assert len(server.leads(name=name)) == 1


def test_language_switch_keeps_what_was_typed(page: Page, lang: str, server: Server) -> None:
    open_form(page, lang)
    name = unique_name()
    day = a_bookable_day(page)
    fill_form(page, Answers(name, phone="6123 4567", treatment="acne", preferred_date=day))
    other = other_language(lang)
    page.click(f'.language-switch a[hreflang="{language(other).tag}"]')

    page.wait_for_url(re.compile(rf"/{other}/register"))
    assert [page.input_value(f"#{f}") for f in ("name", "phone", "email", "preferred_date")] == [
        name,
        "6123 4567",
        "chan@example.com",
        day,
    ]
    assert page.is_checked("#treatment-acne")
    # Consent is given anew, in the language the visitor now reads.
    assert not page.is_checked("#consent_terms")
    page.check("#consent_terms")
    submit(page)
    page.wait_for_url(thanks_url(other))
    [lead] = server.leads(name=name)
    assert lead["locale"] == language(other).tag


def test_server_message_stays_until_its_field_is_changed(page: Page, lang: str) -> None:
    open_form(page, lang)
    fill_form(page, Answers(unique_name(), phone="1234", preferred_date=a_bookable_day(page)))
    submit(page)
    expect(page.locator("#phone-error")).to_be_visible()

    # Another mistake, caught by the browser: the server's message is still shown.
    page.fill("#name", "")
    submit(page)
    assert set(field_errors(page)) == {"name", "phone"}
    # The phone number changed: only the server can judge it now, on submit.
    page.fill("#phone", "9123 4567")
    submit(page)
    assert set(field_errors(page)) == {"name"}
    assert [href for href, _ in summary_links(page)] == ["#name"]
