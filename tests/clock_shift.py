"""Print a libfaketime offset (`+SECONDS`) that moves the system clock to a given time of
day in the clinic's zone, some days ahead: `make test-clock` runs the suite that way, so
a test that posts a literal date, or assumes the clinic's day does not change under it,
fails now rather than on the day it goes off.

    python -m tests.clock_shift [--days 365] [--at 23:59:00] [--zone Asia/Hong_Kong]
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def offset_seconds(now: datetime, days: int, at: time, zone: ZoneInfo) -> int:
    """Seconds from `now` to `at` on the clinic's calendar day `days` after today."""
    day = now.astimezone(zone).date() + timedelta(days=days)
    target = datetime.combine(day, at, tzinfo=zone)
    return round((target - now).total_seconds())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--at", type=time.fromisoformat, default=time(23, 59))
    parser.add_argument("--zone", type=ZoneInfo, default=ZoneInfo("Asia/Hong_Kong"))
    args = parser.parse_args()
    print(f"{offset_seconds(datetime.now(UTC), args.days, args.at, args.zone):+d}")


if __name__ == "__main__":
    main()
