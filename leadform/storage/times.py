"""How instants are stored: UTC ISO 8601 text of one fixed width, so text order is time
order and SQL can compare them directly."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
