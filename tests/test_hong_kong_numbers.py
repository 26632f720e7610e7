"""The Hong Kong shortcut gives the full parse's answer wherever it answers at all."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from leadform.registration.hong_kong_numbers import hong_kong_e164
from leadform.registration.rules import DEFAULT_REGION


def full_parse(value: str) -> str | None:
    """What check_phone did for every number before the shortcut."""
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


eight_digits = st.text("0123456789", min_size=8, max_size=8)
typed_numbers = st.builds(
    lambda prefix, digits, split: prefix + (f"{digits[:4]} {digits[4:]}" if split else digits),
    st.sampled_from(["", "+852", "+852 "]),
    eight_digits,
    st.booleans(),
)


@given(typed_numbers)
@example("9123 4567")
@example("+852 2123 4567")
@example("8000 1234")  # no type takes it: the full parse decides
def test_a_typed_hong_kong_number_is_valid_exactly_when_the_full_parse_says_so(
    value: str,
) -> None:
    shortcut = hong_kong_e164(value)
    assert shortcut is None or shortcut == full_parse(value)


@given(st.text(st.characters(codec="utf-8"), max_size=20))
def test_any_other_text_gets_no_answer_the_full_parse_would_not_give(value: str) -> None:
    shortcut = hong_kong_e164(value)
    assert shortcut is None or shortcut == full_parse(value)


@pytest.mark.parametrize(
    "value",
    ["91234567", "9123 4567", "+852 9123 4567", "+85291234567", "2123 4567", "6123 4567"],
)
def test_the_usual_ways_of_typing_a_valid_number_take_the_shortcut(value: str) -> None:
    assert hong_kong_e164(value) == full_parse(value) is not None


@pytest.mark.parametrize(
    "value",
    [
        "９１２３４５６７",  # full-width digits, as a Chinese IME types them
        "9123-4567",
        "(852) 9123 4567",
        "0123 4567",
        "9123  4567",
        "+44 20 7946 0000",
    ],
)
def test_other_spellings_go_to_the_full_parse(value: str) -> None:
    assert hong_kong_e164(value) is None
