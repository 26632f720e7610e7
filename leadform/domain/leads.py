"""A lead, in each of its states, and its fields as text.

A lead has four records, one per step of its life:
- `LeadInput`: what the visitor asked for, validated by the form's rules;
- `NewLead`: that input with what the request adds (token, time, language, consent,
  client, attribution, where to notify), on its way into storage;
- `StoredLead`: what storage answers for a new or repeated submission (the reference
  the visitor sees, and what the thank-you page shows);
- `Lead`: a stored lead as staff, exports and notifications read it back.

One mapping (`lead_fields`) serves every way a lead leaves the service (CSV/XLSX
export, webhook JSON, email), so the names and formats cannot drift apart.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from zoneinfo import ZoneInfo

from leadform.domain.notifications import NotificationTarget
from leadform.domain.opt_out import OptOutLinks
from leadform.i18n.messages import N_

TREATMENTS: dict[str, str] = {"acne": N_("Acne"), "milia": N_("Milia")}

# No 0/O, 1/I/L: a visitor reads the code out over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 8


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


ATTRIBUTION_FIELDS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "gclid",
    "fbclid",
    "page_url",
    "referrer",
)


@dataclass(frozen=True)
class Attribution:
    """Where the visitor came from; every value validated, "" when unknown."""

    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_term: str = ""
    utm_content: str = ""
    gclid: str = ""
    fbclid: str = ""
    page_url: str = ""
    referrer: str = ""


@dataclass(frozen=True)
class LeadInput:
    """What a visitor asked for, validated and normalised."""

    name: str
    phone: str  # E.164
    email: str  # normalised, "" when not given
    treatment: str
    preferred_date: date
    consent_marketing: bool


@dataclass(frozen=True)
class ConsentWording:
    """The consent sentences exactly as a visitor saw them."""

    locale: str
    text: str

    @property
    def hash(self) -> str:
        return hashlib.sha256(f"{self.locale}\n{self.text}".encode()).hexdigest()


@dataclass(frozen=True)
class NewLead:
    """A validated lead with what the request adds: who, when, which token."""

    lead: LeadInput
    token_id: str
    created_at: datetime
    locale: str
    consent: ConsentWording
    ip: str
    user_agent: str
    attribution: Attribution = field(default_factory=Attribution)
    notify: tuple[NotificationTarget, ...] = ()  # queued with the lead, if it is new


@dataclass(frozen=True)
class StoredLead:
    reference: str
    token_id: str
    locale: str
    treatment: str
    preferred_date: date
    created_at: datetime


@dataclass(frozen=True)
class Lead:
    id: int
    reference: str
    created_at: datetime  # aware, UTC
    locale: str
    name: str
    phone: str  # E.164
    email: str
    treatment: str
    preferred_date: date
    consent_marketing: bool  # given on the form and not withdrawn since
    attribution: Attribution
    marketing_withdrawn_at: datetime | None = None  # pressed the opt-out link's button


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds")


# The export's documented column order; the webhook document uses the same keys.
LEAD_FIELDS = (
    "reference",
    "submitted_at",
    "name",
    "phone",
    "email",
    "treatment",
    "preferred_date",
    "locale",
    "consent_marketing",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "page_url",
    "referrer",
    # click ids last: added after the first documented order, so columns stay put
    "gclid",
    "fbclid",
    # privacy (issue 14), appended for the same reason
    "marketing_withdrawn_at",
    "opt_out_url",
)


def lead_fields(lead: Lead, zone: ZoneInfo, links: OptOutLinks | None = None) -> dict[str, str]:
    """The lead's exported fields as text, times in the clinic's zone with offset;
    the opt-out link is empty when no `links` are given."""
    withdrawn = lead.marketing_withdrawn_at
    values = {
        "reference": lead.reference,
        "submitted_at": local_time(lead.created_at, zone),
        "name": lead.name,
        "phone": lead.phone,
        "email": lead.email,
        "treatment": lead.treatment,
        "preferred_date": lead.preferred_date.isoformat(),
        "locale": lead.locale,
        "consent_marketing": "yes" if lead.consent_marketing else "no",
        "marketing_withdrawn_at": local_time(withdrawn, zone) if withdrawn else "",
        "opt_out_url": links.url(lead.reference, lead.locale) if links else "",
    }
    values |= {f.name: getattr(lead.attribution, f.name) for f in fields(Attribution)}
    return {key: values[key] for key in LEAD_FIELDS}
