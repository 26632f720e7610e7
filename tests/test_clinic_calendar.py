"""The clinic's calendar, called directly: settings syntax, closed days and their
reasons, holidays across a year end, the earliest open day around midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from leadform.config import SettingsError, load_settings
from leadform.domain.clinic_calendar import (
    ClinicCalendar,
    parse_closed_dates,
    parse_weekdays,
)
from leadform.i18n.messages import Localised, Message
from leadform.registration.dates import bookable_range
from tests.conftest import A_BOOKABLE_DAY

HK = ZoneInfo("Asia/Hong_Kong")
HOLIDAYS = ClinicCalendar(holidays_country="HK")


@pytest.mark.parametrize(
    ("value", "weekdays"),
    [
        ("", set()),
        ("sun", {6}),
        ("sat,sun", {5, 6}),
        (" Sat , SUNDAY ", {5, 6}),
        ("mon tue", {0, 1}),
    ],
)
def test_closed_weekdays_are_read_by_name(value: str, weekdays: set[int]) -> None:
    assert parse_weekdays(value) == weekdays


def test_closed_dates_take_days_and_inclusive_ranges() -> None:
    closed = parse_closed_dates("2026-12-24,2027-01-02..2027-01-04")
    assert sorted(closed) == [date(2026, 12, 24), *(date(2027, 1, d) for d in (2, 3, 4))]
    assert set(closed.values()) == {""}


def test_closed_dates_file_gives_each_line_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "closures.txt"
    path.write_text(
        "# the clinic's own closures\n\n2026-12-24 Staff training\n2027-01-02..2027-01-03\n",
        encoding="utf-8",
    )
    assert parse_closed_dates(str(path)) == {
        date(2026, 12, 24): "Staff training",
        date(2027, 1, 2): "",
        date(2027, 1, 3): "",
    }


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("LEADFORM_CLOSED_WEEKDAYS", "sunday,funday", "'funday' is not a weekday"),
        ("LEADFORM_CLOSED_WEEKDAYS", "mon,tue,wed,thu,fri,sat,sun", "at least one weekday open"),
        ("LEADFORM_PUBLIC_HOLIDAYS", "XX", "must be a country code such as HK, or none"),
        ("LEADFORM_CLOSED_DATES", "2026-12-32", "'2026-12-32' is not a real date"),
        ("LEADFORM_CLOSED_DATES", "24/12/2026", "cannot read 24/12/2026"),
        ("LEADFORM_CLOSED_DATES", "christmas", "'christmas' is not a date or a range"),
        ("LEADFORM_CLOSED_DATES", "2027-01-04..2027-01-02", "ends before it starts"),
        ("LEADFORM_CLOSED_DATES", "2026-01-01..2027-06-01", "longer than 366 days"),
    ],
)
def test_bad_calendar_setting_is_one_line_naming_the_variable(
    tmp_path: Path, variable: str, value: str, problem: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"LEADFORM_SECRET_KEY": "k" * 32, variable: value}, root=tmp_path)
    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable}: ") and "\n" not in str(raised.value)
    assert problem in str(raised.value)


def test_bad_line_in_closures_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "closures.txt"
    path.write_text("2026-12-24 Staff training\nnext tuesday\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"^LEADFORM_CLOSED_DATES: .*line 2: .*'next tuesday'"):
        load_settings({"LEADFORM_SECRET_KEY": "k" * 32, "LEADFORM_CLOSED_DATES": str(path)})


def test_calendar_defaults_close_on_hong_kong_holidays_only(tmp_path: Path) -> None:
    calendar = load_settings({"LEADFORM_SECRET_KEY": "k" * 32}, root=tmp_path).calendar
    assert calendar == ClinicCalendar(holidays_country="HK")
    assert calendar.closed_dates == {}


def test_holidays_can_be_turned_off(tmp_path: Path) -> None:
    env = {"LEADFORM_SECRET_KEY": "k" * 32, "LEADFORM_PUBLIC_HOLIDAYS": "none"}
    assert load_settings(env, root=tmp_path).calendar.closure(date(2026, 12, 25)) is None


@pytest.mark.parametrize(
    ("day", "english"),
    [
        (date(2026, 12, 25), "Christmas Day"),
        (date(2027, 2, 6), "Lunar New Year's Day"),  # lunar, computed for next year
        (date(2027, 2, 9), "The fourth day of Lunar New Year"),  # substitute for a Sunday
        (date(2026, 10, 19), "Chung Yeung Festival (observed)"),  # substitute day
        # general holidays that are not statutory: GovHK's public holidays all the same
        (date(2027, 3, 26), "Good Friday"),
        (date(2027, 3, 27), "The day following Good Friday"),
    ],
)
def test_public_holidays_are_closed_with_their_names(day: date, english: str) -> None:
    closure = HOLIDAYS.closure(day)
    assert closure is not None and isinstance(closure.reason, Localised)
    assert dict(closure.reason.texts)["en_HK"] == english


def test_extra_closure_reason_comes_before_the_holiday_and_weekday() -> None:
    calendar = ClinicCalendar(frozenset({4}), "HK", {date(2026, 12, 25): "Stocktaking"})
    closure = calendar.closure(date(2026, 12, 25))
    assert closure is not None and closure.reason == Localised.same("Stocktaking")


def test_closed_weekday_gives_the_weekday_as_reason() -> None:
    closure = ClinicCalendar(frozenset({6})).closure(date(2026, 11, 29))
    assert closure is not None and closure.reason == Message("Sunday")


def test_earliest_bookable_day_skips_closed_days() -> None:
    # Thursday 24 December 2026, 10:00 in Hong Kong: the 25th (Christmas Day), the 26th
    # (the first weekday after it) and Sunday the 27th are closed.
    now = datetime(2026, 12, 24, 2, 0, tzinfo=UTC)
    calendar = ClinicCalendar(frozenset({6}), "HK")
    rule = bookable_range(now, HK, 1, 90, calendar)
    assert rule.earliest == date(2026, 12, 28)
    assert not rule.contains(date(2026, 12, 27)) and rule.contains(date(2026, 12, 28))


@pytest.mark.parametrize(
    ("utc_now", "earliest"),
    [
        # 23:59 on the eve of Christmas Eve in Hong Kong: tomorrow (the 24th) is open
        (datetime(2026, 12, 23, 15, 59, tzinfo=UTC), date(2026, 12, 24)),
        # a minute later it is the 24th: tomorrow is Christmas Day, then the day after
        (datetime(2026, 12, 23, 16, 0, tzinfo=UTC), date(2026, 12, 27)),
    ],
)
def test_earliest_day_turns_at_hong_kong_midnight_on_a_holiday_eve(
    utc_now: datetime, earliest: date
) -> None:
    assert bookable_range(utc_now, HK, 1, 90, HOLIDAYS).earliest == earliest


def test_range_across_the_year_end_holds_next_years_holidays() -> None:
    now = datetime(2026, 12, 31, 15, 59, tzinfo=UTC)  # 23:59 on New Year's Eve, HKT
    rule = bookable_range(now, HK, 1, 90, HOLIDAYS)
    closed = [closure.day for closure in rule.closures]
    assert rule.earliest == date(2027, 1, 2)  # 1 January is a holiday
    assert closed == [
        date(2027, 2, 6),
        date(2027, 2, 8),
        date(2027, 2, 9),
        date(2027, 3, 26),
        date(2027, 3, 27),
        date(2027, 3, 29),
    ]


def test_every_day_closed_leaves_the_range_and_refuses_each_day() -> None:
    now = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    calendar = ClinicCalendar(closed_dates={date(2026, 11, 27): "", date(2026, 11, 28): ""})
    rule = bookable_range(now, HK, 1, 2, calendar)
    assert (rule.earliest, rule.latest) == (date(2026, 11, 27), date(2026, 11, 28))
    assert not rule.contains(rule.earliest) and not rule.contains(rule.latest)


def test_the_fake_clocks_bookable_day_is_open_under_the_default_calendar(tmp_path: Path) -> None:
    calendar = load_settings({"LEADFORM_SECRET_KEY": "k" * 32}, root=tmp_path).calendar
    assert calendar.closure(date.fromisoformat(A_BOOKABLE_DAY)) is None
