from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from leadform.domain.cursors import parse_cursor
from leadform.domain.lead_filters import (
    LeadFilter,
    describe_filter,
    parse_filter,
    phone_digits,
    recorded_filter,
    utc_range,
)
from leadform.i18n.messages import Message

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


@pytest.mark.parametrize(
    ("search", "digits"),
    [
        ("9123 4567", "91234567"),
        ("+852 9123 4567", "91234567"),
        ("+852-9123-4567", "91234567"),
        ("(852) 9123 4567", "91234567"),
        ("(+852) 9123.4567", "91234567"),
        ("00852 9123 4567", "91234567"),
        ("852 9123 4567", "91234567"),
        ("85291234567", "91234567"),
        ("＋８５２ ９１２３ ４５６７", "91234567"),
        ("4567", "4567"),
        ("8529123", "8529123"),  # could be part of a local number: kept
        ("+852", "852"),
        ("+86 138 1234 5678", "8613812345678"),
        ("Chan 2", None),
        ("CPR2Y54K", None),
        ("陳大文", None),
        ("chan@example.com", None),
        ("+-()", None),
    ],
)
def test_phone_like_searches_become_the_national_digits(search: str, digits: str | None) -> None:
    assert phone_digits(search) == digits


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yesterday", "Enter a date as YYYY-MM-DD."),
        ("2026-13-01", "There is no such date. Enter a real date as YYYY-MM-DD."),
        ("2026-02-30", "There is no such date. Enter a real date as YYYY-MM-DD."),
        ("0001-01-01", "Enter a year from %(first)s to %(last)s."),
    ],
)
def test_a_bad_date_says_what_is_wrong(value: str, message: str) -> None:
    _, errors = parse_filter({"from": value}, LOCALES)
    assert errors["from"].msgid == message


def test_a_filter_is_described_in_words_with_translatable_values() -> None:
    found, _ = parse_filter(
        {
            "q": "陳",
            "from": "2026-11-01",
            "treatment": "milia",
            "locale": "zh-Hant-HK",
            "marketing": "no",
        },
        LOCALES,
    )
    described = describe_filter(found, {"zh-Hant-HK": "繁體中文"})
    assert described == (
        Message("Search: “%(text)s”", {"text": "陳"}),
        Message("Submitted from: %(date)s", {"date": date(2026, 11, 1)}),
        Message("Treatment: %(treatment)s", {"treatment": Message("Milia")}),
        Message("Language: %(language)s", {"language": "繁體中文"}),
        Message("Marketing consent: %(answer)s", {"answer": Message("No")}),
    )


def test_no_filter_is_described_as_nothing() -> None:
    assert describe_filter(LeadFilter(), {}) == ()


def test_a_recorded_filter_keeps_a_language_no_longer_offered() -> None:
    assert recorded_filter({"locale": "fr", "treatment": "acne"}) == LeadFilter(
        treatment="acne", locale="fr"
    )
    assert recorded_filter({"treatment": "botox"}) is None
