"""An access request's answer (PDPO DPP6): one JSON document holding every lead of the
person, the consent wording each was shown with its time, the campaign values, the
notifications sent about it (time and channel, never their content) and the exports
that included it (time and staff member). Pure: records in, a document out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from leadform.domain.leads import ATTRIBUTION_FIELDS
from leadform.storage.subject_access import HeldLead

FORMAT_VERSION = 1


def _time(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else None


def access_document(
    held: Sequence[HeldLead], generated_at: datetime, zone: ZoneInfo
) -> dict[str, Any]:
    """Times are ISO 8601 in the clinic's zone, with their offset."""
    return {
        "format": f"leadform-subject-access/{FORMAT_VERSION}",
        "generated_at": _time(generated_at, zone),
        "time_zone": zone.key,
        "leads": [_lead(item, zone) for item in held],
    }


def _lead(item: HeldLead, zone: ZoneInfo) -> dict[str, Any]:
    lead = item.lead
    return {
        "reference": lead.reference,
        "submitted_at": _time(lead.created_at, zone),
        "name": lead.name,
        "phone": lead.phone,
        "email": lead.email,
        "treatment": lead.treatment,
        "preferred_date": lead.preferred_date.isoformat(),
        "language": lead.locale,
        "consent": {
            "terms_accepted_at": _time(item.consent_terms_at, zone),
            "marketing_given": item.consent_marketing_given,
            "marketing_withdrawn_at": _time(lead.marketing_withdrawn_at, zone),
            "wording_language": item.wording_locale,
            "wording": item.wording,
        },
        "campaign": {name: getattr(lead.attribution, name) for name in ATTRIBUTION_FIELDS},
        "client": {"ip_address": item.ip, "user_agent": item.user_agent},
        "notifications": [
            {
                "channel": sent.channel,
                "status": sent.status,
                "queued_at": _time(sent.queued_at, zone),
                "finished_at": _time(sent.finished_at, zone),
            }
            for sent in item.notifications
        ],
        "exports": [
            {
                "exported_at": _time(export.record.started_at, zone),
                "by": export.record.actor,
                "by_kind": export.record.actor_kind,
                "format": export.record.format,
            }
            for export in item.exports
        ],
    }


def person_language(held: Sequence[HeldLead], default: str) -> str:
    """The language of the person's latest lead: the one they last chose."""
    return held[-1].lead.locale if held else default
