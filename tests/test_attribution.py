"""Attribution values from pages we do not control: checked, or dropped."""

from __future__ import annotations

import pytest

from leadform.domain.leads import ATTRIBUTION_FIELDS
from leadform.registration.attribution import (
    clean_attribution,
    clean_click_id,
    clean_url,
    clean_utm,
)


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("newsletter", "newsletter"),
        ("  spring milia 2026 ", "spring milia 2026"),
        ("春季優惠", "春季優惠"),
        ("x" * 200, "x" * 200),
        ("x" * 201, ""),
        ("line\nbreak", ""),
        ("zero\u200bwidth", ""),
        ("bidi\u202eoverride", ""),
    ],
)
def test_utm_values_are_printable_text_of_bounded_length(value: str, kept: str) -> None:
    assert clean_utm(value) == kept


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("Cj0KCQiA-abc_123.x~y", "Cj0KCQiA-abc_123.x~y"),
        ("IwAR2abc", "IwAR2abc"),
        ("a" * 257, ""),
        ("has space", ""),
        ("<script>", ""),
    ],
)
def test_click_ids_keep_only_url_safe_characters(value: str, kept: str) -> None:
    assert clean_click_id(value) == kept


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        (
            "https://blog.example.com/milia?utm_source=fb#top",
            "https://blog.example.com/milia?utm_source=fb",
        ),
        ("http://127.0.0.1:8001/", "http://127.0.0.1:8001/"),
        ("javascript:alert(1)", ""),
        ("/relative/path", ""),
        ("https://" + "a" * 2048, ""),
        ("https://x.example/a b", ""),
        ("https://x.example:99999/", ""),
        ("", ""),
    ],
)
def test_page_and_referrer_are_absolute_http_urls(value: str, kept: str) -> None:
    assert clean_url(value) == kept


def test_every_attribution_field_is_cleaned_in_export_order() -> None:
    cleaned = clean_attribution({"utm_source": "fb", "gclid": "bad id", "other": "x"})
    assert tuple(cleaned) == ATTRIBUTION_FIELDS
    assert cleaned["utm_source"] == "fb" and cleaned["gclid"] == ""
