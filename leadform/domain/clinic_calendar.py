"""The days the clinic is closed: weekdays, public holidays, extra closures. Pure.

One calendar answers "is this day closed, and why?" for the bookable range, the
server's check, the hint, the JSON API and the page's data for the script. Public
holidays come from the `holidays` package (lunar dates and substitute days included),
named in each language it knows, and are computed per year, so the window across a
year end sees next year's holidays.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import holidays

from leadform.i18n.messages import N_, Localised, Message

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Setting names of the weekdays, in date.weekday() order."""

# A weekday as the reason a day is closed, and (plural) in the hint's list.
WEEKDAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
WEEKDAYS_PLURAL = (
    N_("Mondays"),
    N_("Tuesdays"),
    N_("Wednesdays"),
    N_("Thursdays"),
    N_("Fridays"),
    N_("Saturdays"),
    N_("Sundays"),
)
PUBLIC_HOLIDAYS = N_("public holidays")

MAX_CLOSURE_DAYS = 366
"""A longer closure in LEADFORM_CLOSED_DATES is more likely a typo in a year."""

_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY = r"\d{4}-\d{2}-\d{2}"
_ITEM = re.compile(rf"^({_DAY})(?:\.\.({_DAY}))?$")
_LINE = re.compile(rf"^({_DAY}(?:\.\.{_DAY})?)(?:\s+(.*))?$")

Reason = Message | Localised


@dataclass(frozen=True)
class Closure:
    """A closed day and why: a holiday's name, the operator's reason, or the weekday."""

    day: date
    reason: Reason | None = None


@dataclass(frozen=True)
class ClinicCalendar:
    closed_weekdays: frozenset[int] = frozenset()
    holidays_country: str | None = None
    # The operator's closures: day -> reason ("" when none was given).
    closed_dates: Mapping[date, str] = field(default_factory=dict, hash=False)

    def closure(self, day: date) -> Closure | None:
        """Why `day` is closed (None: open). The operator's own closure comes first, as
        its reason is the most specific; then a public holiday; then the weekday."""
        if day in self.closed_dates:
            reason = self.closed_dates[day]
            return Closure(day, Localised.same(reason) if reason else None)
        if self.holidays_country is not None:
            names = holiday_names(self.holidays_country, day.year).get(day)
            if names is not None:
                return Closure(day, names)
        if day.weekday() in self.closed_weekdays:
            return Closure(day, Message(WEEKDAY_NAMES[day.weekday()]))
        return None

    def closures(self, first: date, last: date) -> tuple[Closure, ...]:
        """Every closed day from `first` to `last`, inclusive, in order."""
        found = (self.closure(day) for day in days_between(first, last))
        return tuple(closure for closure in found if closure is not None)

    def first_open_day(self, first: date, last: date) -> date | None:
        return next((day for day in days_between(first, last) if self.closure(day) is None), None)

    def regular_closures(self) -> tuple[Message, ...]:
        """What is closed every week and every year, for the hint: "Sundays", "public
        holidays" (the operator's one-off closures are named when a day is picked)."""
        days = tuple(Message(WEEKDAYS_PLURAL[day]) for day in sorted(self.closed_weekdays))
        return days + ((Message(PUBLIC_HOLIDAYS),) if self.holidays_country else ())


OPEN_EVERY_DAY = ClinicCalendar()


def days_between(first: date, last: date) -> Iterator[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


# The categories that close the clinic. For Hong Kong, the package's PUBLIC category is
# the statutory (labour) holidays; the general holidays that GovHK lists as public
# holidays, and on which banks, schools and clinics close, add Good Friday and the day
# following it, which the package files under OPTIONAL.
# https://www.gov.hk/en/about/abouthk/holiday/
_CLOSING_CATEGORIES = {"HK": (holidays.PUBLIC, holidays.OPTIONAL)}


@lru_cache(maxsize=64)
def holiday_names(country: str, year: int) -> Mapping[date, Localised]:
    """A country's public holidays in `year`, each named in every language the
    `holidays` package has for it (for Hong Kong: en_HK, en_US, th, zh_CN, zh_HK)."""
    kind = holidays.country_holidays(country)
    languages = (kind.default_language, *sorted(kind.supported_languages))
    languages = tuple(dict.fromkeys(lang for lang in languages if lang))
    categories = _CLOSING_CATEGORIES.get(country, (holidays.PUBLIC,))
    named: dict[date, dict[str, str]] = {}
    for language in languages or (None,):
        found = holidays.country_holidays(
            country, years=year, language=language, categories=categories
        )
        for day in found:
            # A day in both categories has two names ("Chung Yeung Festival (observed)";
            # "The day following Chung Yeung Festival"): the statutory one is shown.
            named.setdefault(day, {})[language or ""] = found.get_list(day)[0]
    return {day: Localised(tuple(names.items())) for day, names in named.items()}


def parse_weekdays(value: str) -> frozenset[int]:
    """`sun` or `sat,sun` (any case, commas or spaces, `sunday` too); empty: none."""
    found = set()
    for item in filter(None, re.split(r"[\s,]+", value.strip().lower())):
        if item not in WEEKDAYS and item not in _FULL_WEEKDAYS:
            raise ValueError(f"{item!r} is not a weekday; use mon, tue, wed, thu, fri, sat, sun")
        found.add(WEEKDAYS.index(item[:3]))
    if len(found) == len(WEEKDAYS):
        raise ValueError("must leave at least one weekday open")
    return frozenset(found)


def parse_country(value: str) -> str | None:
    """A country code the `holidays` package knows (HK); `none` turns holidays off."""
    code = value.strip()
    if code.lower() == "none":
        return None
    if code.upper() not in holidays.list_supported_countries():
        raise ValueError("must be a country code such as HK, or none")
    return code.upper()


def parse_closed_dates(value: str) -> dict[date, str]:
    """Dates and ranges (`2026-12-24,2027-01-02..2027-01-04`), or the path of a file
    (it contains a /: `./closures.txt`) with one date or range per line and an optional
    reason after it; blank lines and `#` comments are skipped."""
    value = value.strip()
    if not value:
        return {}
    if "/" in value:
        return _closed_dates_file(Path(value))
    closed: dict[date, str] = {}
    for item in filter(None, re.split(r"[\s,]+", value)):
        closed.update(dict.fromkeys(_closure_days(item), ""))
    return closed


def _closed_dates_file(path: Path) -> dict[date, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ValueError(f"cannot read {path}: {problem}") from None
    closed: dict[date, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            raise ValueError(
                f"{path} line {number}: expected a date or range, then a reason, not {line!r}"
            )
        try:
            days = _closure_days(match.group(1))
        except ValueError as exc:
            raise ValueError(f"{path} line {number}: {exc}") from None
        closed.update(dict.fromkeys(days, (match.group(2) or "").strip()))
    return closed


def _closure_days(item: str) -> Iterator[date]:
    match = _ITEM.match(item)
    if not match:
        raise ValueError(f"{item!r} is not a date or a range like 2027-01-02..2027-01-04")
    try:
        first = date.fromisoformat(match.group(1))
        last = date.fromisoformat(match.group(2) or match.group(1))
    except ValueError:
        raise ValueError(f"{item!r} is not a real date") from None
    if last < first:
        raise ValueError(f"{item!r} ends before it starts")
    if (last - first).days >= MAX_CLOSURE_DAYS:
        raise ValueError(f"{item!r} is longer than {MAX_CLOSURE_DAYS} days")
    return days_between(first, last)
