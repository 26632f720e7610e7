"""The bookable date range: one rule for the form's min/max, its closed days and the
server's check.

"Today" is the calendar date in the clinic's time zone, never the server's or UTC's.
Time is a parameter so tests can fix "now" on either side of midnight. The earliest
bookable day is the first open one; the closed days within the range travel with it,
so every front end (page, script, JSON API) names the same days for the same reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from leadform.clock import clinic_today
from leadform.domain.clinic_calendar import OPEN_EVERY_DAY, ClinicCalendar, Closure


@dataclass(frozen=True)
class BookableRange:
    earliest: date
    latest: date
    closures: tuple[Closure, ...] = ()
    calendar: ClinicCalendar = field(default=OPEN_EVERY_DAY, compare=False)

    def contains(self, day: date) -> bool:
        return self.earliest <= day <= self.latest and self.closure(day) is None

    def closure(self, day: date) -> Closure | None:
        """Why a day within the range is closed (None: open)."""
        return next((closure for closure in self.closures if closure.day == day), None)


def bookable_range(
    now: datetime,
    zone: ZoneInfo,
    min_days: int,
    max_days: int,
    calendar: ClinicCalendar = OPEN_EVERY_DAY,
) -> BookableRange:
    today = clinic_today(now, zone)
    first, latest = today + timedelta(days=min_days), today + timedelta(days=max_days)
    # With every day of the range closed, the range stays as it is and each day is
    # refused with its reason.
    earliest = calendar.first_open_day(first, latest) or first
    return BookableRange(earliest, latest, calendar.closures(earliest, latest), calendar)
