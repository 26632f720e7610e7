"""The clock every time-dependent rule takes as a parameter, so tests can fix "now",
and the clinic's calendar: "today" and midnight are the clinic's, never the server's
or UTC's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]
"""Returns the current instant as an aware datetime."""


def system_clock() -> datetime:
    return datetime.now(UTC)


def clinic_today(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


def clinic_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant (in UTC) a day begins in the clinic's zone."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
