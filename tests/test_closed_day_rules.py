"""Closed days in the form's rules, called directly: (day, message) per language,
and the browser's copy of each message is the server's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from leadform.domain.clinic_calendar import ClinicCalendar
from leadform.i18n.languages import Languages, load_languages
from leadform.registration.dates import bookable_range
from leadform.registration.rules import browser_checks, date_hint, validate
from tests.test_rules import VALID

ROOT = Path(__file__).resolve().parent.parent
# Closed on Sundays, Hong Kong's public holidays and the clinic's own two closures; the
# range is 2026-11-27..2027-02-24 (10:00 in Hong Kong on 26 November 2026).
CALENDAR = ClinicCalendar(
    frozenset({6}), "HK", {date(2026, 12, 24): "Staff training", date(2027, 1, 4): ""}
)
BOOKABLE = bookable_range(
    datetime(2026, 11, 26, 2, 0, tzinfo=UTC), ZoneInfo("Asia/Hong_Kong"), 1, 90, CALENDAR
)


@pytest.fixture(scope="module")
def languages() -> Languages:
    return load_languages(ROOT / "locales", "en")


CLOSED_DAYS = [
    (
        "2026-11-29",  # a closed weekday
        "The clinic is closed on 29 November 2026 (Sunday). Please choose another day.",
        "診所於2026年11月29日（星期日）休息，請選擇另一日。",
        "诊所于2026年11月29日（星期日）休息，请选择另一天。",
    ),
    (
        "2026-12-25",
        "The clinic is closed on 25 December 2026 (Christmas Day). Please choose another day.",
        "診所於2026年12月25日（聖誕節）休息，請選擇另一日。",
        "诊所于2026年12月25日（圣诞节）休息，请选择另一天。",
    ),
    (
        "2027-02-06",  # a lunar holiday, computed for next year
        "The clinic is closed on 6 February 2027 (Lunar New Year's Day). "
        "Please choose another day.",
        "診所於2027年2月6日（農曆年初一）休息，請選擇另一日。",
        "诊所于2027年2月6日（农历年初一）休息，请选择另一天。",
    ),
    (
        "2027-02-09",  # the substitute for the second day, which falls on a Sunday
        "The clinic is closed on 9 February 2027 (The fourth day of Lunar New Year). "
        "Please choose another day.",
        "診所於2027年2月9日（農曆年初四）休息，請選擇另一日。",
        "诊所于2027年2月9日（农历年初四）休息，请选择另一天。",
    ),
    (
        "2026-12-24",  # the clinic's own closure, with its reason as written
        "The clinic is closed on 24 December 2026 (Staff training). Please choose another day.",
        "診所於2026年12月24日（Staff training）休息，請選擇另一日。",
        "诊所于2026年12月24日（Staff training）休息，请选择另一天。",
    ),
    (
        "2027-01-04",  # the clinic's own closure, no reason given
        "The clinic is closed on 4 January 2027. Please choose another day.",
        "診所於2027年1月4日休息，請選擇另一日。",
        "诊所于2027年1月4日休息，请选择另一天。",
    ),
]


@pytest.mark.parametrize(("day", "english", "traditional", "simplified"), CLOSED_DAYS)
def test_closed_day_is_refused_naming_the_day_and_reason_in_each_language(
    languages: Languages, day: str, english: str, traditional: str, simplified: str
) -> None:
    lead, errors = validate(VALID | {"preferred_date": day}, BOOKABLE)
    assert lead is None and list(errors) == ["preferred_date"]
    for tag, expected in (("en", english), ("zh-hant-hk", traditional), ("zh-hans-cn", simplified)):
        language = languages.exact(tag)
        assert language is not None
        assert language.translate(errors["preferred_date"]) == expected


@pytest.mark.parametrize("day", ["2026-11-27", "2026-12-23", "2026-12-28", "2027-02-10"])
def test_open_day_around_closures_is_accepted(day: str) -> None:
    lead, errors = validate(VALID | {"preferred_date": day}, BOOKABLE)
    assert errors == {} and lead is not None


@pytest.mark.parametrize("day", [row[0] for row in CLOSED_DAYS])
def test_page_carries_the_servers_message_for_each_closed_day(day: str) -> None:
    _, errors = validate(VALID | {"preferred_date": day}, BOOKABLE)
    assert (
        browser_checks(BOOKABLE)["preferred_date"].messages[f"closed-{day}"]
        == errors["preferred_date"]
    )


def test_page_carries_every_closed_day_of_the_range_and_no_other() -> None:
    messages = browser_checks(BOOKABLE)["preferred_date"].messages
    carried = sorted(
        flag.removeprefix("closed-") for flag in messages if flag.startswith("closed-")
    )
    assert carried == [closure.day.isoformat() for closure in BOOKABLE.closures]
    assert len(carried) == 21  # 13 Sundays, 6 holidays, the 2 closures


@pytest.mark.parametrize(
    ("calendar", "tag", "hint"),
    [
        (
            CALENDAR,
            "en",
            "Choose a day from Nov 27, 2026 to Feb 24, 2027. "
            "Closed on Sundays and public holidays.",
        ),
        (
            CALENDAR,
            "zh-hant-hk",
            "請選擇 2026年11月27日 至 2027年2月24日 之間的日子。 逢星期日及公眾假期休息。",
        ),
        (
            CALENDAR,
            "zh-hans-cn",
            "请选择 2026年11月27日 至 2027年2月24日 之间的日期。 逢星期日和公众假期休息。",
        ),
        (
            ClinicCalendar(frozenset({5, 6})),
            "en",
            "Choose a day from Nov 27, 2026 to Feb 24, 2027. Closed on Saturdays and Sundays.",
        ),
        (
            ClinicCalendar(closed_dates={date(2026, 12, 24): ""}),
            "en",
            "Choose a day from Nov 27, 2026 to Feb 24, 2027.",
        ),
    ],
)
def test_hint_says_what_is_closed_every_week_and_year(
    languages: Languages, calendar: ClinicCalendar, tag: str, hint: str
) -> None:
    rule = bookable_range(
        datetime(2026, 11, 26, 2, 0, tzinfo=UTC), ZoneInfo("Asia/Hong_Kong"), 1, 90, calendar
    )
    language = languages.exact(tag)
    assert language is not None and date_hint(language, rule) == hint
