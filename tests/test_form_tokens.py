from datetime import UTC, datetime

from itsdangerous import TimestampSigner

from leadform.clock import system_clock
from leadform.registration.form_tokens import _SALT, FormToken, FormTokens, TokenProblem
from tests.conftest import FakeClock


def tokens(clock: FakeClock, secret: str = "secret", min_fill: float = 2) -> FormTokens:
    return FormTokens(secret, clock, min_fill)


def test_token_carries_its_issue_time_and_a_random_id() -> None:
    clock = FakeClock()
    value = tokens(clock).issue()
    clock.advance(5)
    checked = tokens(clock).check(value)
    assert isinstance(checked, FormToken)
    assert checked.issued_at == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert checked.id != tokens(clock).check(tokens(clock).issue())


def test_token_posted_back_sooner_than_min_fill_is_too_fast() -> None:
    clock = FakeClock()
    value = tokens(clock).issue()
    clock.advance(1.5)
    assert tokens(clock).check(value) is TokenProblem.TOO_FAST


def test_token_older_than_a_day_is_expired() -> None:
    clock = FakeClock()
    value = tokens(clock).issue()
    clock.advance(24 * 3600 + 1)
    assert tokens(clock).check(value) is TokenProblem.EXPIRED


def test_token_signed_with_another_key_is_invalid() -> None:
    clock = FakeClock()
    value = tokens(clock, secret="other").issue()
    clock.advance(5)
    assert tokens(clock).check(value) is TokenProblem.INVALID


def test_tampered_token_is_invalid() -> None:
    clock = FakeClock()
    value = tokens(clock).issue()
    clock.advance(5)
    assert tokens(clock).check("A" + value[1:]) is TokenProblem.INVALID


def test_empty_token_is_missing() -> None:
    assert tokens(FakeClock()).check("") is TokenProblem.MISSING


def test_tokens_are_the_ones_plain_itsdangerous_signs_and_checks() -> None:
    ours = FormTokens("secret", system_clock, 0)
    plain = TimestampSigner("secret", salt=_SALT)
    assert plain.unsign(ours.issue())
    other = plain.sign(b"abc").decode()
    assert isinstance(ours.check(other), FormToken)
