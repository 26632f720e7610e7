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

from leadform.dates import BookableRange
from leadform.messages import N_, Message

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

TREATMENTS: dict[str, str] = {"acne": N_("Acne"), "milia": N_("Milia")}

NAME_MAX = 100
PHONE_MAX = 40
EMAIL_MAX = 254
DEFAULT_REGION = "HK"
CHECKED = frozenset({"on", "yes", "true", "1"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Errors = dict[str, Message]


@dataclass(frozen=True)
class LeadInput:
    """What a visitor asked for, validated and normalised."""

    name: str
    phone: str  # E.164
    email: str  # normalised, "" when not given
    treatment: str
    preferred_date: date
    consent_marketing: bool


def validate(data: Mapping[str, str], bookable: BookableRange) -> tuple[LeadInput | None, Errors]:
    """Check a submitted form; return the lead, or None and a message per field."""
    errors: Errors = {}
    name = _check(errors, "name", check_name, data)
    phone = _check(errors, "phone", check_phone, data)
    email = _check(errors, "email", check_email, data)
    treatment = _check(errors, "treatment", check_treatment, data)
    preferred = _check(errors, "preferred_date", lambda v: check_date(v, bookable), data)
    if not is_checked(data.get("consent_terms", "")):
        errors["consent_terms"] = Message(
            N_("Agree to the Registration Terms and Conditions and Privacy Policy to continue.")
        )
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
        raise Invalid(Message(N_("Enter your name.")))
    if len(value) > NAME_MAX:
        raise Invalid(
            Message(N_("Your name must be %(max)s characters or fewer."), {"max": NAME_MAX})
        )
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value):
        raise Invalid(Message(N_("Your name contains characters that are not allowed.")))
    return value


def check_phone(value: str) -> str:
    if not value:
        raise Invalid(Message(N_("Enter your phone number.")))
    invalid = Invalid(Message(N_("Enter a valid phone number, like 9123 4567 or +852 9123 4567.")))
    if len(value) > PHONE_MAX:
        raise invalid
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
    invalid = Invalid(Message(N_("Enter a valid email address, like name@example.com.")))
    if len(value) > EMAIL_MAX:
        raise invalid
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise invalid from None
    return str(result.normalized)


def check_treatment(value: str) -> str:
    if value not in TREATMENTS:
        raise Invalid(Message(N_("Choose a treatment.")))
    return value


def check_date(value: str, bookable: BookableRange) -> date:
    if not value:
        raise Invalid(Message(N_("Choose your preferred date.")))
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        message = Message(N_("Enter a real date, like %(date)s."), {"date": bookable.earliest})
        raise Invalid(message) from None
    if day < bookable.earliest:
        raise Invalid(
            Message(N_("Date should not be before %(date)s."), {"date": bookable.earliest})
        )
    if day > bookable.latest:
        raise Invalid(Message(N_("Date should not be after %(date)s."), {"date": bookable.latest}))
    return day
