"""Rate-limit rules and the sliding window, as pure functions."""

from __future__ import annotations

import pytest

from leadform.ratelimit import Hit, RateLimit, parse_rate_limits, retry_after

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


def hits(*times: float) -> list[Hit]:
    return [Hit(f"t{i}", at) for i, at in enumerate(times)]


@pytest.mark.parametrize(
    ("times", "now", "wait"),
    [
        ((), 1000, None),
        ((990, 991, 992, 993), 1000, None),  # four in the last minute: a fifth fits
        ((990, 991, 992, 993, 994), 1000, 50),  # the fifth: wait until 990 leaves
        ((930, 991, 992, 993, 994), 1000, None),  # 930 left the window already
        ((941, 942, 943, 944, 945, 946), 1000, 2),  # two must leave: 942 + 60
    ],
)
def test_retry_after_is_when_enough_hits_leave_the_window(
    times: tuple[float, ...], now: float, wait: int | None
) -> None:
    assert retry_after(hits(*times), [MINUTE], now, "new") == wait


def test_the_longest_wait_of_all_limits_applies() -> None:
    thirty_spread = [Hit(f"t{i}", 1000 + i * 100) for i in range(30)]  # 1000 .. 3900
    assert retry_after(thirty_spread, [MINUTE, HOUR], 4000, "new") == 1000 + 3600 - 4000


def test_a_token_already_admitted_always_fits() -> None:
    full = hits(990, 991, 992, 993, 994)
    assert retry_after(full, [MINUTE], 1000, "t3") is None


def test_limits_print_as_they_are_written() -> None:
    assert [str(limit) for limit in parse_rate_limits("5/minute;30/hour")] == [
        "5/minute",
        "30/hour",
    ]
