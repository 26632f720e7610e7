"""The person a privacy request is about, named by one identifier they gave the form
(a phone number, an email address) or by a lead's reference; pure."""

from __future__ import annotations

from dataclasses import dataclass

from leadform.domain.keyed_hashes import keyed_hash

PHONE = "phone"
EMAIL = "email"
REFERENCE = "reference"
KINDS = (PHONE, EMAIL, REFERENCE)


@dataclass(frozen=True)
class Subject:
    """An identifier as the form stores it: E.164 phone, normalised email, upper-case
    reference (the commands and the admin page read it with the form's own rules)."""

    kind: str
    value: str

    def __repr__(self) -> str:  # keeps the identifier out of tracebacks and logs
        return f"Subject({self.kind})"


def subject_hash(secret: str, subject: Subject) -> str:
    """A keyed hash of the identifier: a repeated request can be recognised without
    the identifier being kept (HMAC-SHA256 under the secret key; see keyed_hashes)."""
    value = subject.value.lower() if subject.kind == EMAIL else subject.value
    return keyed_hash(secret, f"subject-{subject.kind}", value).hex()
