"""Rate limits: the rule syntax and the sliding-window arithmetic. Pure.

A limit such as 5/minute allows an attempt when fewer than 5 attempts by the same
key (a client address or a phone number) were admitted in the last 60 seconds. An
attempt with a form token already admitted is a resubmission of the same form (a
double click, a retry after a lost answer): it always fits and is not counted twice.
Where the attempts are counted is storage's business (`storage/submission_limits.py`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RULE = re.compile(r"^(\d+)\s*/\s*([a-z]+?)s?$")


@dataclass(frozen=True)
class RateLimit:
    count: int
    seconds: int

    def __str__(self) -> str:
        unit = next(name for name, size in UNITS.items() if size == self.seconds)
        return f"{self.count}/{unit}"


def parse_rate_limits(spec: str) -> tuple[RateLimit, ...]:
    """`5/minute;30/hour` -> two limits; `0` (or `off`) -> none: limiting is off."""
    spec = spec.strip().lower()
    if spec in ("0", "off"):
        return ()
    limits = []
    for rule in filter(None, (part.strip() for part in re.split(r"[;,]", spec))):
        match = _RULE.match(rule)
        if not match or match.group(2) not in UNITS or int(match.group(1)) < 1:
            raise ValueError(
                "must be rules like 5/minute;30/hour (units: second, minute, hour, day) or 0"
            )
        limits.append(RateLimit(int(match.group(1)), UNITS[match.group(2)]))
    if not limits:
        raise ValueError("must name at least one limit such as 5/minute, or 0 to turn limiting off")
    return tuple(limits)


def retry_after(
    nth_latest: Sequence[float | None], limits: Sequence[RateLimit], now: float
) -> int | None:
    """Seconds until one more attempt fits every limit; None when it fits now.

    `nth_latest[i]` is the time of the `limits[i].count`-th most recent admitted
    attempt inside that limit's window (None when there are fewer): the limit is
    full, and frees up when that attempt leaves the window. Only that one time per
    limit is needed, so storage reads one row per limit, however busy the key.
    """
    waits = [
        max(1, math.ceil(at + limit.seconds - now))
        for limit, at in zip(limits, nth_latest, strict=True)
        if at is not None and at > now - limit.seconds
    ]
    return max(waits) if waits else None


def longest_window(limits: Iterable[RateLimit]) -> int:
    return max((limit.seconds for limit in limits), default=0)


@dataclass(frozen=True)
class SubmissionAttempt:
    """A submission to count against each of its keys (hashed client and phone)."""

    keys: tuple[str, ...]
    token_id: str
    at: datetime
    limits: tuple[RateLimit, ...]


@dataclass(frozen=True)
class OverLimit:
    retry_after: int  # seconds
