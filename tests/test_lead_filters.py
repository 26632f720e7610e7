from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from leadform.lead_filters import (
    LeadFilter,
    parse_cursor,
    parse_filter,
    phone_digits,
    utc_range,
)

LOCALES = ["en", "zh-Hant-HK"]


def test_no_parameters_is_no_filter() -> None:
    assert parse_filter({}, LOCALES) == (LeadFilter(), {})


def test_every_filter_is_read() -> None:
    found, errors = parse_filter(
        {
            "from": "2026-11-01",
            "to": "2026-11-30",
            "treatment": "acne",
            "locale": "zh-hant-hk",
            "marketing": "yes",
            "q": "  chan   tai ",
        },
        LOCALES,
    )
    assert errors == {}
    assert found == LeadFilter(
        date(2026, 11, 1), date(2026, 11, 30), "acne", "zh-Hant-HK", True, "chan tai"
    )
    assert found.as_params()["locale"] == "zh-Hant-HK"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"to": "20261101"}, "to"),
        ({"from": "0001-01-01"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "to"),
        ({"treatment": "botox"}, "treatment"),
        ({"locale": "fr"}, "locale"),
        ({"marketing": "maybe"}, "marketing"),
    ],
)
def test_unusable_values_get_a_message(params: dict[str, str], field: str) -> None:
    _, errors = parse_filter(params, LOCALES)
    assert list(errors) == [field]


def test_clinic_dates_become_utc_bounds_including_the_whole_end_day() -> None:
    bounds = utc_range(
        LeadFilter(submitted_from=date(2026, 11, 1), submitted_to=date(2026, 11, 1)),
        ZoneInfo("Asia/Hong_Kong"),
    )
    assert bounds.start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert bounds.end == datetime(2026, 11, 1, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "cursor"),
    [
        ("0", 0),
        ("42", 42),
        (" 7 ", 7),
        ("-1", None),
        ("abc", None),
        ("1e3", None),
        ("٣", None),
        ("9" * 20, None),
    ],
)
def test_cursor_is_a_non_negative_lead_id(value: str, cursor: int | None) -> None:
    assert parse_cursor(value) == cursor


def test_phone_search_uses_the_digits() -> None:
    assert phone_digits("9123 4567") == "91234567"
