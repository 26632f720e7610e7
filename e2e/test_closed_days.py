"""A visitor picks a day the clinic is closed: the page says so at once, in the
server's words, and takes the next open day (the server is closed on Sundays and
Hong Kong's public holidays; e2e/conftest.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from e2e.conftest import OpenPage
from e2e.visitor import (
    Answers,
    a_bookable_day,
    bookable,
    closed_days,
    field_error,
    fill_form,
    open_form,
    submit,
    unique_name,
)
from tests.servers import Server

Shot = Callable[[Page, str], Path]


def first_closed_day(page: Page) -> str:
    return min(closed_days(page))


def next_open_day(page: Page, after: str) -> str:
    closed, day = closed_days(page), date.fromisoformat(after)
    while (day := day + timedelta(days=1)).isoformat() in closed:
        pass
    assert day <= bookable(page).latest
    return day.isoformat()


def servers_message(server: Server, lang: str, day: str) -> str:
    described = httpx.get(server.url(f"/api/form?locale={lang}"), timeout=10).json()
    return str(next(c["message"] for c in described["bookable"]["closed"] if c["date"] == day))


def test_picking_a_closed_day_shows_the_servers_message_at_once(
    page: Page, lang: str, server: Server, shot: Shot
) -> None:
    open_form(page, lang)
    day = first_closed_day(page)
    page.fill("#preferred_date", day)

    expect(page.locator("#preferred_date-error")).to_be_visible()
    shot(page, "closed-day")
    assert field_error(page, "preferred_date") == servers_message(server, lang, day)
    assert page.get_attribute("#preferred_date", "aria-invalid") == "true"


def test_next_open_day_clears_the_message_and_the_form_is_sent(
    page: Page, lang: str, server: Server
) -> None:
    open_form(page, lang)
    closed = first_closed_day(page)
    name = unique_name()
    fill_form(page, Answers(name, preferred_date=closed))
    expect(page.locator("#preferred_date-error")).to_be_visible()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    submit(page)  # refused in the page: nothing is sent
    expect(page.locator("#error-summary")).to_be_focused()
    assert posts == []

    open_day = next_open_day(page, closed)
    page.fill("#preferred_date", open_day)
    expect(page.locator("#preferred_date-error")).to_have_count(0)
    submit(page)

    page.wait_for_url(re.compile(rf"/{lang}/thanks/[^/]+$"))
    [lead] = server.leads(name=name)
    assert lead["preferred_date"] == open_day


def test_closed_day_is_refused_by_the_server_without_javascript(
    open_page: OpenPage, lang: str, server: Server
) -> None:
    page = open_page(lang, javascript=False)
    open_form(page, lang)
    day = first_closed_day(page)
    fill_form(page, Answers(unique_name(), preferred_date=day))
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        submit(page)

    assert response.value.status == 422
    assert field_error(page, "preferred_date") == servers_message(server, lang, day)


def test_the_day_tests_pick_is_open(page: Page, lang: str) -> None:
    open_form(page, lang)
    assert a_bookable_day(page) not in closed_days(page)
