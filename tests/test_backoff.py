from __future__ import annotations

from datetime import timedelta

import pytest

from leadform.notifications.backoff import MAX_DELAY, next_attempt, retry_delay
from tests.conftest import DEFAULT_NOW

DAY = timedelta(hours=24)


@pytest.mark.parametrize(
    ("attempt", "shortest", "longest"),
    [
        (1, 2.5, 5),
        (2, 5, 10),
        (3, 10, 20),
        (6, 80, 160),
        (10, 1280, 2560),
        (11, 1800, 3600),  # capped at an hour from here on
        (40, 1800, 3600),
        (10_000, 1800, 3600),
    ],
)
def test_delay_doubles_from_seconds_to_an_hour_with_jitter_in_its_upper_half(
    attempt: int, shortest: float, longest: float
) -> None:
    assert retry_delay(attempt, lambda: 0.0).total_seconds() == shortest
    highest = retry_delay(attempt, lambda: 0.999999).total_seconds()
    assert highest == pytest.approx(longest, rel=1e-5)


def test_jitter_spreads_retries_of_the_same_attempt() -> None:
    draws = iter([0.1, 0.5, 0.9])
    delays = {retry_delay(4, lambda: next(draws)) for _ in range(3)}
    assert len(delays) == 3


def test_retry_is_scheduled_before_the_deadline() -> None:
    deadline = DEFAULT_NOW + DAY
    expected = DEFAULT_NOW + timedelta(seconds=2.5)
    assert next_attempt(DEFAULT_NOW, 1, deadline, lambda: 0.0) == expected


def test_last_retry_falls_on_the_deadline_itself() -> None:
    deadline = DEFAULT_NOW + timedelta(minutes=10)
    assert next_attempt(DEFAULT_NOW, 12, deadline, lambda: 0.5) == deadline


def test_no_retry_once_the_deadline_has_passed() -> None:
    assert next_attempt(DEFAULT_NOW + DAY, 30, DEFAULT_NOW + DAY, lambda: 0.5) is None


def test_receivers_retry_after_is_honoured_up_to_an_hour() -> None:
    deadline = DEFAULT_NOW + DAY
    later = next_attempt(DEFAULT_NOW, 1, deadline, lambda: 0.0, timedelta(minutes=5))
    capped = next_attempt(DEFAULT_NOW, 1, deadline, lambda: 0.0, timedelta(days=3))
    assert later == DEFAULT_NOW + timedelta(minutes=5)
    assert capped == DEFAULT_NOW + MAX_DELAY


def test_a_day_of_failures_is_a_few_dozen_attempts() -> None:
    now, attempt, deadline = DEFAULT_NOW, 1, DEFAULT_NOW + DAY
    while (following := next_attempt(now, attempt, deadline, lambda: 0.5)) is not None:
        now, attempt = following, attempt + 1
    assert now == deadline and 30 <= attempt <= 50
