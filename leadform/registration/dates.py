"""The bookable date range: one rule for the form's min/max and the server's check.

"Today" is the calendar date in the clinic's time zone, never the server's or UTC's.
Time is a parameter so tests can fix "now" on either side of midnight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from leadform.clock import clinic_today


@dataclass(frozen=True)
class BookableRange:
    earliest: date
    latest: date

    def contains(self, day: date) -> bool:
        return self.earliest <= day <= self.latest


def bookable_range(now: datetime, zone: ZoneInfo, min_days: int, max_days: int) -> BookableRange:
    today = clinic_today(now, zone)
    return BookableRange(today + timedelta(days=min_days), today + timedelta(days=max_days))
