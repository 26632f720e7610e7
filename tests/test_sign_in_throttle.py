from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from leadform.domain.sign_in_throttle import blocked_until, throttle_keys

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def minutes_ago(*values: float) -> list[datetime]:
    return [NOW - timedelta(minutes=v) for v in values]


@pytest.mark.parametrize(
    ("failures", "until"),
    [
        ([], None),
        (minutes_ago(4, 3, 2, 1), None),  # four failures: not yet
        (minutes_ago(4, 3, 2, 1, 0), NOW + timedelta(minutes=15)),  # the fifth blocks 15 min
        (minutes_ago(14, 13, 12, 11, 10), NOW + timedelta(minutes=5)),
        (minutes_ago(20, 19, 18, 17, 16), None),  # the block is over
        (minutes_ago(29, 20, 10, 5, 1), None),  # five failures but spread over 28 minutes
        (minutes_ago(17, 4, 3, 2, 1), None),  # only four within 15 minutes
    ],
)
def test_five_failures_in_fifteen_minutes_block_for_fifteen(
    failures: list[datetime], until: datetime | None
) -> None:
    assert blocked_until(failures, NOW) == until


def test_keys_hide_the_email_and_address_and_ignore_email_case() -> None:
    account, address = throttle_keys("secret", "Sales@Example.com ", "203.0.113.9")
    assert "sales" not in account and "203" not in address
    assert account == throttle_keys("secret", "sales@example.com", "198.51.100.1")[0]
    assert account != address
