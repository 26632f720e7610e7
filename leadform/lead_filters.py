"""Which leads a staff member asked for: the filters shared by the admin page, the
CSV/XLSX endpoints and `leadform export`. Pure: query values in, a filter out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from leadform.forms import TREATMENTS
from leadform.messages import N_, Message

MAX_QUERY = 100
MIN_YEAR, MAX_YEAR = 1900, 9000
MAX_CURSOR = 2**63 - 1
_DIGITS = re.compile(r"\d")
FILTER_PARAMS = ("from", "to", "treatment", "locale", "marketing", "q")


@dataclass(frozen=True)
class LeadFilter:
    submitted_from: date | None = None  # clinic dates, inclusive
    submitted_to: date | None = None
    treatment: str | None = None
    locale: str | None = None  # a language tag as stored: en, zh-Hant-HK
    marketing: bool | None = None
    query: str = ""

    def as_params(self) -> dict[str, str]:
        """The filter as query parameters (what a link or the audit log keeps)."""
        params = {
            "from": self.submitted_from.isoformat() if self.submitted_from else "",
            "to": self.submitted_to.isoformat() if self.submitted_to else "",
            "treatment": self.treatment or "",
            "locale": self.locale or "",
            "marketing": {True: "yes", False: "no", None: ""}[self.marketing],
            "q": self.query,
        }
        return {key: value for key, value in params.items() if value}


@dataclass(frozen=True)
class UtcRange:
    """Submitted-at bounds as UTC instants: start inclusive, end exclusive."""

    start: datetime | None
    end: datetime | None


def parse_filter(
    params: Mapping[str, str], locales: Iterable[str]
) -> tuple[LeadFilter, dict[str, Message]]:
    """Read the filter parameters; a value that cannot be used gets a message."""
    errors: dict[str, Message] = {}
    start = _date(params.get("from", ""), "from", errors)
    end = _date(params.get("to", ""), "to", errors)
    if start and end and end < start:
        errors["to"] = Message(N_("The end date must not be before the start date."))
    treatment = params.get("treatment", "").strip() or None
    if treatment is not None and treatment not in TREATMENTS:
        errors["treatment"] = Message(N_("Choose a treatment from the list."))
    locale = _locale(params.get("locale", "").strip(), locales, errors)
    marketing = _yes_no(params.get("marketing", "").strip().lower(), errors)
    query = " ".join(params.get("q", "").split())[:MAX_QUERY]
    found = LeadFilter(start, end, treatment, locale, marketing, query)
    return found, errors


def _date(value: str, name: str, errors: dict[str, Message]) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        # Years far out would overflow when turned into UTC instants at the edges.
        if len(value) == 10 and MIN_YEAR <= (day := date.fromisoformat(value)).year <= MAX_YEAR:
            return day
    except ValueError:
        pass
    errors[name] = Message(N_("Enter a date as YYYY-MM-DD."))
    return None


def _locale(value: str, locales: Iterable[str], errors: dict[str, Message]) -> str | None:
    if not value:
        return None
    for tag in locales:
        if tag.lower() == value.lower().replace("_", "-"):
            return tag
    errors["locale"] = Message(N_("Choose a language from the list."))
    return None


def _yes_no(value: str, errors: dict[str, Message]) -> bool | None:
    if value in ("", "any"):
        return None
    if value in ("yes", "no"):
        return value == "yes"
    errors["marketing"] = Message(N_("Choose yes, no or any."))
    return None


def utc_range(lead_filter: LeadFilter, zone: ZoneInfo) -> UtcRange:
    """The clinic-calendar dates as UTC instants (the end day is included whole)."""

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)

    start = lead_filter.submitted_from
    end = lead_filter.submitted_to
    return UtcRange(
        midnight(start) if start else None,
        midnight(end + timedelta(days=1)) if end else None,
    )


def phone_digits(query: str) -> str:
    """The digits of a search, to find "9123 4567" in "+85291234567"."""
    return "".join(_DIGITS.findall(query))


def parse_cursor(value: str) -> int | None:
    """An export cursor: the last lead id an export covered. None when malformed."""
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if number <= MAX_CURSOR else None


def format_cursor(last_id: int) -> str:
    return str(last_id)
