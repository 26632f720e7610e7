"""Where a visitor came from: campaign tags, click ids, page and referrer. Pure.

These values arrive from pages we do not control (the embedding page's address,
a query string), so each is checked for length and characters; a value that fails
is dropped ("" = unknown) rather than refusing the visitor's registration.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from leadform.domain.leads import Attribution

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
CLICK_ID_FIELDS = ("gclid", "fbclid")
URL_FIELDS = ("page_url", "referrer")

UTM_MAX = 200
URL_MAX = 2048
CLICK_ID_MAX = 256
# Google and Meta click ids are URL-safe base64-like strings, usually under 200 characters.
_CLICK_ID = re.compile(rf"[A-Za-z0-9._~-]{{1,{CLICK_ID_MAX}}}")


def clean_utm(value: str) -> str:
    """Printable text of at most UTM_MAX characters (no control or format characters)."""
    value = value.strip()
    if len(value) > UTM_MAX:
        return ""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs") for ch in value):
        return ""
    return value


def clean_click_id(value: str) -> str:
    value = value.strip()
    return value if _CLICK_ID.fullmatch(value) else ""


_WHITESPACE = re.compile(r"\s")  # the characters str.isspace() accepts


@lru_cache(maxsize=1024)  # every form shown cleans its own address: mostly the same few
def clean_url(value: str) -> str:
    """An absolute http(s) URL of at most URL_MAX characters, without its fragment."""
    value = value.strip()
    # str.isprintable and the regex run in C: this runs for every form shown.
    if len(value) > URL_MAX or not value.isprintable() or _WHITESPACE.search(value):
        return ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return urlunsplit(parts._replace(fragment=""))


_CLEANERS = (
    {name: clean_utm for name in UTM_FIELDS}
    | {name: clean_click_id for name in CLICK_ID_FIELDS}
    | {name: clean_url for name in URL_FIELDS}
)


def clean_attribution(data: Mapping[str, str]) -> dict[str, str]:
    """Every attribution field of `data` in ATTRIBUTION_FIELDS order, validated;
    missing or invalid ones are ""."""
    return {name: clean(data.get(name, "")) for name, clean in _CLEANERS.items()}


def attribution_from(data: Mapping[str, str]) -> Attribution:
    return Attribution(**clean_attribution(data))
