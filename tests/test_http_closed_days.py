"""Closed days over HTTP: the page, the server's answer, the JSON API and its
description, midnight on a holiday's eve (Hong Kong's public holidays are on by
default; the fake clock is 10:00 on Thursday 26 November 2026 in Hong Kong)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from leadform.config import Settings, load_settings
from leadform.views.api import openapi_document
from tests.conftest import FakeClock, error_messages, form_token, serve

pytestmark = pytest.mark.anyio

VALID = {
    "name": "陳大文",
    "phone": "9123 4567",
    "treatment": "milia",
    "consent_terms": "yes",
}
CHRISTMAS = {
    "en": "The clinic is closed on 25 December 2026 (Christmas Day). Please choose another day.",
    "zh-hant-hk": "診所於2026年12月25日（聖誕節）休息，請選擇另一日。",
    "zh-hans-cn": "诊所于2026年12月25日（圣诞节）休息，请选择另一天。",
}


@pytest.fixture
def settings(environ: dict[str, str]) -> Settings:
    """Closed on Sundays too, and on the clinic's own training day."""
    closures = {"LEADFORM_CLOSED_WEEKDAYS": "sun", "LEADFORM_CLOSED_DATES": "2026-12-24"}
    return load_settings(environ | closures)


@pytest.fixture
async def client(settings: Settings, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(settings, clock) as c:
        yield c


async def post_form(
    client: httpx.AsyncClient, clock: FakeClock, tag: str, day: str
) -> httpx.Response:
    token = form_token((await client.get(f"/{tag}/register")).text)
    clock.advance(10)
    return await client.post(
        f"/{tag}/register", data=VALID | {"token": token, "preferred_date": day}
    )


@pytest.mark.parametrize("tag", list(CHRISTMAS))
async def test_closed_day_is_refused_with_the_day_and_reason(
    client: httpx.AsyncClient, clock: FakeClock, tag: str
) -> None:
    response = await post_form(client, clock, tag, "2026-12-25")
    assert response.status_code == 422
    assert error_messages(response.text)["preferred_date"] == CHRISTMAS[tag]
    assert 'value="2026-12-25"' in response.text  # the visitor's choice is kept


async def test_open_day_between_closures_is_accepted(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    response = await post_form(client, clock, "en", "2026-12-28")
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("tag", "hint"),
    [
        ("en", "Closed on Sundays and public holidays."),
        ("zh-hant-hk", "逢星期日及公眾假期休息。"),
        ("zh-hans-cn", "逢星期日和公众假期休息。"),
    ],
)
async def test_hint_names_the_regular_closures(
    client: httpx.AsyncClient, tag: str, hint: str
) -> None:
    html = (await client.get(f"/{tag}/register")).text
    found = re.search(r'<p class="hint" id="preferred_date-hint">([^<]*)</p>', html)
    assert found is not None and found.group(1).endswith(hint)


@pytest.mark.parametrize("tag", list(CHRISTMAS))
async def test_page_carries_each_closed_days_message_for_the_script(
    client: httpx.AsyncClient, tag: str
) -> None:
    html = (await client.get(f"/{tag}/register")).text
    carried = dict(re.findall(r'data-msg-closed-(\d{4}-\d\d-\d\d)="([^"]*)"', html))
    assert carried["2026-12-25"] == CHRISTMAS[tag]
    assert {"2026-11-29", "2026-12-24", "2027-02-06", "2027-02-09"} <= set(carried)
    assert "2026-12-01" not in carried


async def test_api_lists_the_closed_days_in_the_range(client: httpx.AsyncClient) -> None:
    bookable = (await client.get("/api/form?locale=en")).json()["bookable"]
    closed = {day["date"]: day for day in bookable["closed"]}
    assert closed["2026-12-25"] == {
        "date": "2026-12-25",
        "reason": "Christmas Day",
        "message": CHRISTMAS["en"],
    }
    assert closed["2026-12-24"]["reason"] is None
    assert closed["2026-11-29"]["reason"] == "Sunday"
    assert closed["2027-02-09"]["reason"] == "The fourth day of Lunar New Year"
    assert [day["date"] for day in bookable["closed"]] == sorted(closed)
    assert all(bookable["earliest"] <= day <= bookable["latest"] for day in closed)
    assert len(closed) == 20  # 13 Sundays, 6 holidays, the training day


async def test_api_names_closed_days_in_the_requested_language(
    client: httpx.AsyncClient,
) -> None:
    bookable = (await client.get("/api/form?locale=zh-hant-hk")).json()["bookable"]
    christmas = next(day for day in bookable["closed"] if day["date"] == "2026-12-25")
    assert (christmas["reason"], christmas["message"]) == ("聖誕節", CHRISTMAS["zh-hant-hk"])


async def test_api_refuses_a_lead_on_a_closed_day_with_the_same_message(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    token = (await client.get("/api/form")).json()["token"]
    clock.advance(10)
    body = VALID | {"token": token, "preferred_date": "2026-12-25", "locale": "zh-hant-hk"}
    response = await client.post("/api/leads", json=body)
    assert response.status_code == 422
    assert response.json()["errors"] == {"preferred_date": CHRISTMAS["zh-hant-hk"]}


def schema(name: str) -> dict[str, Any]:
    document = openapi_document()
    found: dict[str, Any] = {"$ref": f"#/components/schemas/{name}"} | {
        "components": document["components"]
    }
    return found


async def test_openapi_document_describes_the_closed_days(client: httpx.AsyncClient) -> None:
    bookable = openapi_document()["components"]["schemas"]["FormDescription"]["properties"][
        "bookable"
    ]
    assert "closed" in bookable["required"]
    assert bookable["properties"]["closed"]["items"] == {"$ref": "#/components/schemas/ClosedDay"}
    description = (await client.get("/api/form")).json()
    Draft202012Validator(schema("FormDescription")).validate(description)


@pytest.mark.parametrize(
    ("hong_kong_time", "earliest"),
    [
        # 23:59 on the 23rd: tomorrow, the 24th, is bookable (in the default calendar)
        (datetime(2026, 12, 23, 15, 59, tzinfo=UTC), "2026-12-24"),
        # midnight: tomorrow is Christmas Day, then the first weekday after it; the
        # 27th is the next open day
        (datetime(2026, 12, 23, 16, 0, tzinfo=UTC), "2026-12-27"),
    ],
)
async def test_earliest_day_turns_at_hong_kong_midnight_on_a_holiday_eve(
    environ: dict[str, str], hong_kong_time: datetime, earliest: str
) -> None:
    clock = FakeClock(hong_kong_time)
    async with serve(load_settings(environ), clock) as client:
        html = (await client.get("/en/register")).text
        described = (await client.get("/api/form")).json()["bookable"]
    assert f'min="{earliest}"' in html
    assert described["earliest"] == earliest


async def test_holidays_off_makes_christmas_bookable(
    environ: dict[str, str], clock: FakeClock
) -> None:
    settings = load_settings(environ | {"LEADFORM_PUBLIC_HOLIDAYS": "none"})
    async with serve(settings, clock) as client:
        response = await post_form(client, clock, "en", "2026-12-25")
        described = (await client.get("/api/form")).json()["bookable"]
    assert response.status_code == 303
    assert described["closed"] == []
