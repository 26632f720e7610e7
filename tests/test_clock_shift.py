"""The offset `make test-clock` gives libfaketime lands on the asked clinic time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.clock_shift import offset_seconds

HONG_KONG = ZoneInfo("Asia/Hong_Kong")


@pytest.mark.parametrize(
    ("now", "days", "at", "lands_on"),
    [
        # 10:00 HKT: the same clinic day at 23:59, a year ahead
        (datetime(2026, 12, 1, 2, 0, tzinfo=UTC), 365, time(23, 59), "2027-12-01T23:59:00+08:00"),
        # 01:00 HKT is still the previous day in UTC: the clinic's day counts
        (datetime(2026, 11, 30, 17, 0, tzinfo=UTC), 0, time(23, 59), "2026-12-01T23:59:00+08:00"),
        # across a leap day
        (datetime(2028, 2, 28, 4, 0, tzinfo=UTC), 1, time(0, 0, 30), "2028-02-29T00:00:30+08:00"),
    ],
)
def test_the_offset_lands_on_the_clinic_time_asked_for(
    now: datetime, days: int, at: time, lands_on: str
) -> None:
    shifted = now + timedelta(seconds=offset_seconds(now, days, at, HONG_KONG))
    assert shifted.astimezone(HONG_KONG).isoformat() == lands_on
