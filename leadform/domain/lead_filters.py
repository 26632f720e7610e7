"""Which leads a staff member asked for: the filters shared by the admin page, the
CSV/XLSX endpoints and `leadform export`. Pure: query values in, a filter out."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from leadform.clock import clinic_midnight
from leadform.domain.leads import TREATMENTS
from leadform.i18n.messages import N_, Message

MAX_QUERY = 100
MIN_YEAR, MAX_YEAR = 1900, 9000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# What people type around a phone number: digits, spaces, + - ( ) . and nothing else.
_PHONE_LIKE = re.compile(r"[\d\s+\-().]*\d[\d\s+\-().]*", re.ASCII)
# Hong Kong's country code written as a prefix: +852, 00852, (852), (+852).
_HK_PREFIX = re.compile(r"\(?\s*(?:\+|00)\s*852\s*\)?|\(\s*852\s*\)", re.ASCII)
HK_COUNTRY_CODE = "852"
HK_NUMBER_LENGTH = 8
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


def recorded_filter(params: Mapping[str, str]) -> LeadFilter | None:
    """A filter as an export recorded it (`as_params`), or None when it cannot be read
    back. Its language is taken as recorded, even one the service no longer offers."""
    found, errors = parse_filter(params, [params.get("locale", "")])
    return None if errors else found


def _date(value: str, name: str, errors: dict[str, Message]) -> date | None:
    value = value.strip()
    if not value:
        return None
    if not _ISO_DATE.fullmatch(value):
        errors[name] = Message(N_("Enter a date as YYYY-MM-DD."))
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors[name] = Message(N_("There is no such date. Enter a real date as YYYY-MM-DD."))
        return None
    # Years far out would overflow when turned into UTC instants at the edges.
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        errors[name] = Message(
            N_("Enter a year from %(first)s to %(last)s."), {"first": MIN_YEAR, "last": MAX_YEAR}
        )
        return None
    return day


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


def describe_filter(
    lead_filter: LeadFilter, language_names: Mapping[str, str]
) -> tuple[Message, ...]:
    """The filter in words, one message per condition in the page's order, e.g.
    "Treatment: Milia", "Search: “陳”". `language_names` maps a stored tag to the
    language's own name (as the language menu shows it); unknown tags stay tags."""
    f = lead_filter
    parts: list[Message] = []
    if f.query:
        parts.append(Message(N_("Search: “%(text)s”"), {"text": f.query}))
    if f.submitted_from:
        parts.append(Message(N_("Submitted from: %(date)s"), {"date": f.submitted_from}))
    if f.submitted_to:
        parts.append(Message(N_("Submitted to: %(date)s"), {"date": f.submitted_to}))
    if f.treatment:
        name = Message(TREATMENTS.get(f.treatment, f.treatment))
        parts.append(Message(N_("Treatment: %(treatment)s"), {"treatment": name}))
    if f.locale:
        language = language_names.get(f.locale, f.locale)
        parts.append(Message(N_("Language: %(language)s"), {"language": language}))
    if f.marketing is not None:
        answer = Message(N_("Yes") if f.marketing else N_("No"))
        parts.append(Message(N_("Marketing consent: %(answer)s"), {"answer": answer}))
    return tuple(parts)


def utc_range(lead_filter: LeadFilter, zone: ZoneInfo) -> UtcRange:
    """The clinic-calendar dates as UTC instants (the end day is included whole)."""

    start = lead_filter.submitted_from
    end = lead_filter.submitted_to
    return UtcRange(
        clinic_midnight(start, zone) if start else None,
        clinic_midnight(end + timedelta(days=1), zone) if end else None,
    )


def phone_digits(query: str) -> str | None:
    """The digits to look for in stored (E.164) phones when a search looks like a
    phone number, else None: "+852 9123-4567", "(852) 9123 4567" and "9123 4567"
    all give "91234567". Full-width digits from a Chinese input method count too.

    Only a search made of digits and phone punctuation is a phone search, so "Chan 2"
    or a reference like "CPR2Y54K" does not match every phone containing a 2.
    """
    text = unicodedata.normalize("NFKC", query).strip()
    if not _PHONE_LIKE.fullmatch(text):
        return None
    prefix = _HK_PREFIX.match(text)
    digits = "".join(ch for ch in text[prefix.end() if prefix else 0 :] if ch.isdigit())
    full_without_plus = len(digits) == len(HK_COUNTRY_CODE) + HK_NUMBER_LENGTH
    if not prefix and full_without_plus and digits.startswith(HK_COUNTRY_CODE):
        digits = digits[len(HK_COUNTRY_CODE) :]  # "852 9123 4567": the prefix without +
    return digits or "".join(ch for ch in text if ch.isdigit())
