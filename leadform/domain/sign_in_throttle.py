"""Sign-in throttling: five failures for one key in 15 minutes block it 15 minutes.
A successful sign-in clears the failures of both its keys (account and address), so
only failures since the last success count.

A key is an account (its email) or an address (the client's IP), kept only as an
HMAC so the attempts table holds no personal data. The rule is pure: the storage
layer hands it the recent failures of a key inside a write transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from leadform.domain.keyed_hashes import keyed_hash

LIMIT = 5
WINDOW = timedelta(minutes=15)
BLOCK = timedelta(minutes=15)
LOOKBACK = WINDOW + BLOCK
"""Failures older than this can no longer block anything."""


def blocked_until(failures: Sequence[datetime], now: datetime) -> datetime | None:
    """When the block that `failures` cause ends, or None when there is none now.

    The LIMIT-th failure within WINDOW starts a block of BLOCK from that failure.
    """
    times = sorted(failures)
    until: datetime | None = None
    for index in range(LIMIT - 1, len(times)):
        if times[index] - times[index - LIMIT + 1] <= WINDOW:
            end = times[index] + BLOCK
            if end > now and (until is None or end > until):
                until = end
    return until


def throttle_keys(secret: str, email: str, address: str) -> tuple[str, str]:
    """The account's and the address's keys, as HMACs under the service's secret."""

    account = keyed_hash(secret, "account", email.strip().lower())
    return account.hex(), keyed_hash(secret, "address", address).hex()
