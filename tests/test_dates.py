from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from leadform.clock import clinic_today
from leadform.registration.dates import bookable_range

HK = ZoneInfo("Asia/Hong_Kong")


@pytest.mark.parametrize(
    ("utc_now", "expected_today"),
    [
        # 23:59 in Hong Kong: still the 26th
        (datetime(2026, 11, 26, 15, 59, tzinfo=UTC), date(2026, 11, 26)),
        # 00:00 in Hong Kong while UTC still shows the 26th
        (datetime(2026, 11, 26, 16, 0, tzinfo=UTC), date(2026, 11, 27)),
        (datetime(2026, 11, 26, 23, 30, tzinfo=UTC), date(2026, 11, 27)),
    ],
)
def test_today_is_the_clinic_calendar_date_not_utc(utc_now: datetime, expected_today: date) -> None:
    assert clinic_today(utc_now, HK) == expected_today


def test_bookable_range_is_inclusive_days_ahead_of_clinic_today() -> None:
    after_midnight_in_hk = datetime(2026, 11, 26, 16, 30, tzinfo=UTC)
    rule = bookable_range(after_midnight_in_hk, HK, 1, 90)
    assert rule.earliest == date(2026, 11, 28)
    assert rule.latest == date(2027, 2, 25)
    assert rule.contains(rule.earliest) and rule.contains(rule.latest)
    assert not rule.contains(date(2026, 11, 27))


def test_zero_min_days_makes_today_bookable() -> None:
    now = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert bookable_range(now, HK, 0, 0).earliest == date(2026, 11, 26)
