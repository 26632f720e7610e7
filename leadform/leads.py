"""A stored lead as the rest of the service sees it, and its fields as text.

One mapping serves every way a lead leaves the service (CSV/XLSX export, webhook
JSON, email), so the names and formats cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from zoneinfo import ZoneInfo

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
    consent_marketing: bool
    attribution: Attribution


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
)


def lead_fields(lead: Lead, zone: ZoneInfo) -> dict[str, str]:
    """The lead's exported fields as text, times in the clinic's zone with offset."""
    values = {
        "reference": lead.reference,
        "submitted_at": lead.created_at.astimezone(zone).isoformat(timespec="seconds"),
        "name": lead.name,
        "phone": lead.phone,
        "email": lead.email,
        "treatment": lead.treatment,
        "preferred_date": lead.preferred_date.isoformat(),
        "locale": lead.locale,
        "consent_marketing": "yes" if lead.consent_marketing else "no",
    }
    values |= {f.name: getattr(lead.attribution, f.name) for f in fields(Attribution)}
    return {key: values[key] for key in LEAD_FIELDS}
