"""Rate-limit rules and the sliding window, as pure functions."""

from __future__ import annotations

import pytest

from leadform.domain.submission_limits import RateLimit, parse_rate_limits, retry_after

MINUTE, HOUR = RateLimit(5, 60), RateLimit(30, 3600)


@pytest.mark.parametrize(
    ("spec", "limits"),
    [
        ("5/minute;30/hour", (MINUTE, HOUR)),
        ("5/minutes, 30/hours", (MINUTE, HOUR)),
        (" 1 / second ", (RateLimit(1, 1),)),
        ("100/day;", (RateLimit(100, 86400),)),
        ("0", ()),
        ("off", ()),
    ],
)
def test_rules_are_parsed(spec: str, limits: tuple[RateLimit, ...]) -> None:
    assert parse_rate_limits(spec) == limits


@pytest.mark.parametrize("spec", ["", "5", "5/fortnight", "0/minute", "-1/hour", "five/minute"])
def test_malformed_rules_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="5/minute"):
        parse_rate_limits(spec)


@pytest.mark.parametrize(
    ("nth_latest", "now", "wait"),
    [
        (None, 1000, None),  # fewer than 5 admitted in the window: a fifth fits
        (990, 1000, 50),  # the fifth most recent came at 990: wait until it leaves
        (940, 1000, None),  # ... it left the window already
        (959.2, 1000, 20),  # whole seconds, rounded up
        (940.5, 1000, 1),  # never less than a second
    ],
)
def test_a_full_limit_frees_up_when_its_nth_latest_hit_leaves_the_window(
    nth_latest: float | None, now: float, wait: int | None
) -> None:
    assert retry_after([nth_latest], [MINUTE], now) == wait


def test_the_longest_wait_of_all_limits_applies() -> None:
    assert retry_after([3950, 1000], [MINUTE, HOUR], 4000) == 1000 + 3600 - 4000
    assert retry_after([None, 1000], [MINUTE, HOUR], 4000) == 600
    assert retry_after([3950, None], [MINUTE, HOUR], 4000) == 10


def test_limits_print_as_they_are_written() -> None:
    assert [str(limit) for limit in parse_rate_limits("5/minute;30/hour")] == [
        "5/minute",
        "30/hour",
    ]
