"""When to try a notification again: exponential backoff with jitter, then give up.

The delay doubles from FIRST_DELAY up to MAX_DELAY; each is drawn from its upper half
("equal jitter") so receivers that come back after an outage are not hit by every
queued notification at the same instant. See
https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

FIRST_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(hours=1)

Random = Callable[[], float]
"""Returns a float in [0, 1)."""


def retry_delay(attempt: int, random: Random) -> timedelta:
    """The wait after failed attempt number `attempt` (1 for the first)."""
    ceiling: timedelta = min(FIRST_DELAY * 2 ** min(attempt - 1, 32), MAX_DELAY)
    return ceiling / 2 + ceiling / 2 * random()


def next_attempt(
    now: datetime,
    attempt: int,
    deadline: datetime,
    random: Random,
    not_before: timedelta = timedelta(0),
) -> datetime | None:
    """When to try again after failed attempt number `attempt`, or None to give up.
    `not_before` is the receiver's Retry-After. The last try falls on the deadline
    itself, so a receiver back just in time still gets it."""
    if now >= deadline:
        return None
    wait = max(retry_delay(attempt, random), min(not_before, MAX_DELAY))
    return min(now + wait, deadline)
