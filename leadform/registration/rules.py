"""The lead form: its fields and rules. Pure: values in, a lead or messages out."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from leadform.domain.clinic_calendar import Closure
from leadform.domain.leads import TREATMENTS, LeadInput
from leadform.i18n.languages import Language
from leadform.i18n.messages import N_, LongDate, Message
from leadform.registration.dates import BookableRange
from leadform.registration.hong_kong_numbers import hong_kong_e164

FIELDS = (
    "name",
    "phone",
    "email",
    "treatment",
    "preferred_date",
    "consent_terms",
    "consent_marketing",
)
"""The controls of the form, in page order (the error summary follows it)."""

HONEYPOT = "website"
"""A field people never see (hidden by the stylesheet, skipped by screen readers)
and bots fill in; a name browsers' autofill does not recognise."""

NAME_MAX = 100
PHONE_MAX = 40
EMAIL_MAX = 254
DEFAULT_REGION = "HK"
CHECKED = frozenset({"on", "yes", "true", "1"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Errors = dict[str, Message]

# The messages, shared by the rules below and the browser's checks (`browser_checks`),
# so a visitor reads the same sentence whichever side refuses the value.
NAME_MISSING = Message(N_("Enter your name."))
NAME_TOO_LONG = Message(N_("Your name must be %(max)s characters or fewer."), {"max": NAME_MAX})
NAME_NOT_ALLOWED = Message(N_("Your name contains characters that are not allowed."))
PHONE_MISSING = Message(N_("Enter your phone number."))
PHONE_INVALID = Message(N_("Enter a valid phone number, like 9123 4567 or +852 9123 4567."))
EMAIL_INVALID = Message(N_("Enter a valid email address, like name@example.com."))
TREATMENT_MISSING = Message(N_("Choose a treatment."))
DATE_MISSING = Message(N_("Choose your preferred date."))
CONSENT_MISSING = Message(
    N_("Agree to the Registration Terms and Conditions and Privacy Policy to continue.")
)


def date_not_real(bookable: BookableRange) -> Message:
    return Message(N_("Enter a real date, like %(date)s."), {"date": bookable.earliest})


def date_too_early(bookable: BookableRange) -> Message:
    return Message(N_("Date should not be before %(date)s."), {"date": bookable.earliest})


def date_too_late(bookable: BookableRange) -> Message:
    return Message(N_("Date should not be after %(date)s."), {"date": bookable.latest})


def date_closed(closure: Closure) -> Message:
    """The day named in full, with the reason when there is one."""
    if closure.reason is None:
        return Message(
            N_("The clinic is closed on %(date)s. Please choose another day."),
            {"date": LongDate(closure.day)},
        )
    return Message(
        N_("The clinic is closed on %(date)s (%(reason)s). Please choose another day."),
        {"date": LongDate(closure.day), "reason": closure.reason},
    )


DATE_HINT = N_("Choose a day from %(earliest)s to %(latest)s.")
CLOSED_ON = N_("Closed on %(days)s.")


def date_hint(language: Language, bookable: BookableRange) -> str:
    """The date field's hint: the range, and what is closed every week and year
    ("Closed on Sundays and public holidays.")."""
    hint = language.translate(
        Message(DATE_HINT, {"earliest": bookable.earliest, "latest": bookable.latest})
    )
    regular = bookable.calendar.regular_closures()
    if not regular:
        return hint
    days = language.join([language.translate(message) for message in regular])
    return f"{hint} {language.gettext(CLOSED_ON) % {'days': days}}"


@dataclass(frozen=True)
class BrowserCheck:
    """What a browser can check in one field before the form is sent.

    `attributes` are HTML constraint attributes for the control (maxlength, min, max);
    `messages` maps each ValidityState flag those constraints (and `required`) can
    raise, in kebab case (value-missing, range-underflow, ...), to the message the
    server gives for the same value. The page carries both; the script reads them.
    https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#validitystate
    """

    attributes: Mapping[str, str]
    messages: Mapping[str, Message]


def browser_checks(bookable: BookableRange) -> dict[str, BrowserCheck]:
    """The subset of the rules a browser can apply, with the server's messages.

    Only checks the server agrees with are listed, so the browser never refuses a
    value the server would take. Email has no type-mismatch message on purpose:
    a browser's email grammar refuses internationalised addresses the server accepts.
    """
    return {
        "name": BrowserCheck(
            {"maxlength": str(NAME_MAX)},
            {"value-missing": NAME_MISSING, "too-long": NAME_TOO_LONG},
        ),
        "phone": BrowserCheck(
            {"maxlength": str(PHONE_MAX)},
            {"value-missing": PHONE_MISSING, "too-long": PHONE_INVALID},
        ),
        "email": BrowserCheck({"maxlength": str(EMAIL_MAX)}, {"too-long": EMAIL_INVALID}),
        "treatment": BrowserCheck({}, {"value-missing": TREATMENT_MISSING}),
        "preferred_date": BrowserCheck(
            {"min": bookable.earliest.isoformat(), "max": bookable.latest.isoformat()},
            {
                "value-missing": DATE_MISSING,
                "bad-input": date_not_real(bookable),
                "range-underflow": date_too_early(bookable),
                "range-overflow": date_too_late(bookable),
                # Not a ValidityState flag: the script looks the picked day up here.
                **{f"closed-{c.day.isoformat()}": date_closed(c) for c in bookable.closures},
            },
        ),
        "consent_terms": BrowserCheck({}, {"value-missing": CONSENT_MISSING}),
    }


def validate(data: Mapping[str, str], bookable: BookableRange) -> tuple[LeadInput | None, Errors]:
    """Check a submitted form; return the lead, or None and a message per field."""
    errors: Errors = {}
    name = _check(errors, "name", check_name, data)
    phone = _check(errors, "phone", check_phone, data)
    email = _check(errors, "email", check_email, data)
    treatment = _check(errors, "treatment", check_treatment, data)
    preferred = _check(errors, "preferred_date", lambda v: check_date(v, bookable), data)
    if not is_checked(data.get("consent_terms", "")):
        errors["consent_terms"] = CONSENT_MISSING
    if errors:
        return None, errors
    lead = LeadInput(
        name=name,
        phone=phone,
        email=email,
        treatment=treatment,
        preferred_date=preferred,
        consent_marketing=is_checked(data.get("consent_marketing", "")),
    )
    return lead, errors


class Invalid(Exception):
    def __init__(self, message: Message) -> None:
        self.message = message


def _check(errors: Errors, field: str, rule: Callable[[str], Any], data: Mapping[str, str]) -> Any:
    try:
        return rule(data.get(field, "").strip())
    except Invalid as problem:
        errors[field] = problem.message
        return None


def honeypot_filled(data: Mapping[str, str]) -> bool:
    return bool(data.get(HONEYPOT, "").strip())


def is_checked(value: str) -> bool:
    return value.strip().lower() in CHECKED


def check_name(value: str) -> str:
    if not value:
        raise Invalid(NAME_MISSING)
    if len(value) > NAME_MAX:
        raise Invalid(NAME_TOO_LONG)
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value):
        raise Invalid(NAME_NOT_ALLOWED)
    return value


def check_phone(value: str) -> str:
    if not value:
        raise Invalid(PHONE_MISSING)
    invalid = Invalid(PHONE_INVALID)
    if len(value) > PHONE_MAX:
        raise invalid
    usual = hong_kong_e164(value)  # most visitors: no full parse needed
    if usual is not None:
        return usual
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise invalid from None
    if not phonenumbers.is_valid_number(number):
        raise invalid
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def check_email(value: str) -> str:
    if not value:
        return ""
    # A Chinese IME may type full-width letters and ＠; NFKC folds them to ASCII.
    value = unicodedata.normalize("NFKC", value)
    invalid = Invalid(EMAIL_INVALID)
    if len(value) > EMAIL_MAX:
        raise invalid
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise invalid from None
    return str(result.normalized)


def check_treatment(value: str) -> str:
    if value not in TREATMENTS:
        raise Invalid(TREATMENT_MISSING)
    return value


def check_date(value: str, bookable: BookableRange) -> date:
    if not value:
        raise Invalid(DATE_MISSING)
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise Invalid(date_not_real(bookable)) from None
    if day < bookable.earliest:
        raise Invalid(date_too_early(bookable))
    if day > bookable.latest:
        raise Invalid(date_too_late(bookable))
    closure = bookable.closure(day)
    if closure is not None:
        raise Invalid(date_closed(closure))
    return day
