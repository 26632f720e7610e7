"""Reading the identifier of a privacy request with the form's own rules, so a phone
number matches in any format the form accepts (`9123 4567`, `+852 9123 4567`,
full-width digits) and an email however its domain is cased."""

from __future__ import annotations

import unicodedata

from leadform.domain.leads import REFERENCE_ALPHABET, REFERENCE_LENGTH
from leadform.domain.subjects import EMAIL, PHONE, REFERENCE, Subject
from leadform.i18n.messages import N_, Message
from leadform.registration.rules import Invalid, check_email, check_phone

REFERENCE_INVALID = Message(N_("Enter a reference of 8 letters and digits, like CPR2Y54K."))
EMAIL_MISSING = Message(N_("Enter an email address."))


def read_subject(kind: str, value: str) -> Subject | Message:
    """The subject, or the message the form would give for this value."""
    value = value.strip()
    try:
        if kind == PHONE:
            return Subject(PHONE, check_phone(value))
        if kind == EMAIL:
            return Subject(EMAIL, check_email(value)) if value else EMAIL_MISSING
    except Invalid as problem:
        return problem.message
    reference = unicodedata.normalize("NFKC", value).upper()
    if len(reference) != REFERENCE_LENGTH or any(c not in REFERENCE_ALPHABET for c in reference):
        return REFERENCE_INVALID
    return Subject(REFERENCE, reference)
