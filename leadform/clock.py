"""The clock every time-dependent rule takes as a parameter, so tests can fix "now"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current instant as an aware datetime."""


def system_clock() -> datetime:
    return datetime.now(UTC)
