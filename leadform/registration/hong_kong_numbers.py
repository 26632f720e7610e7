"""Hong Kong numbers as most visitors type them, checked without parsing.

phonenumbers.parse with the validity check costs more than the rest of a
submission's rules together. Most visitors type an 8-digit Hong Kong number
("9123 4567", "91234567", "+852 9123 4567"); for those, validity is the metadata's
patterns matched against the 8 digits, so those patterns are compiled once, here,
from libphonenumber's own metadata (the same data is_valid_number reads). Anything
else, or a number these patterns refuse, goes to the full parse, so the fast check
only ever says "valid" where is_valid_number says so too (tests/test_hong_kong_numbers.py).
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

_COUNTRY_CODE = 852
_LENGTH = 8
# As typed: optional +852, then 8 digits, optionally split 4 + 4 by one space.
_TYPED = re.compile(r"(?:\+852 ?)?([1-9][0-9]{3}) ?([0-9]{4})", re.ASCII)
# The number types is_valid_number accepts (phonenumberutil._number_type_helper).
_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


def _pattern(*descs: Any) -> re.Pattern[str]:
    """Any of `descs`' national number patterns that allow 8 digits, as
    phonenumberutil._is_number_matching_desc reads them (used with fullmatch)."""
    alternatives = [
        f"(?:{desc.national_number_pattern})"
        for desc in descs
        if desc is not None
        and desc.national_number_pattern
        and (not desc.possible_length or _LENGTH in desc.possible_length)
    ]
    return re.compile("|".join(alternatives) or "(?!)", re.ASCII)


def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(any number of the region, any number of a type is_valid_number accepts)"""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("HK")
    if metadata is None:  # pragma: no cover - phonenumbers always carries Hong Kong
        raise RuntimeError("phonenumbers has no metadata for Hong Kong")
    return _pattern(metadata.general_desc), _pattern(*(getattr(metadata, t) for t in _TYPES))


_GENERAL, _ANY_TYPE = _patterns()


def hong_kong_e164(value: str) -> str | None:
    """The E.164 form of `value` when it is a valid Hong Kong number typed the usual
    way; None when it needs the full parse."""
    typed = _TYPED.fullmatch(value)
    if typed is None:
        return None
    digits = typed.group(1) + typed.group(2)
    if _GENERAL.fullmatch(digits) and _ANY_TYPE.fullmatch(digits):
        return f"+{_COUNTRY_CODE}{digits}"
    return None
