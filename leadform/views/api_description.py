"""The form described for a custom front end (`GET /api/form`): fields, translated
labels, options, constraints, the bookable range, consent sentences, a token.

The labels are the HTML form's own msgids, so both front ends say the same thing in
every language (a test renders the form and checks each label appears in it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from leadform.domain.leads import TREATMENTS
from leadform.i18n.languages import Language
from leadform.i18n.messages import N_
from leadform.registration.attribution import (
    CLICK_ID_FIELDS,
    CLICK_ID_MAX,
    URL_FIELDS,
    URL_MAX,
    UTM_FIELDS,
    UTM_MAX,
)
from leadform.registration.consent import consent_text, policy_url
from leadform.registration.dates import BookableRange
from leadform.registration.form_tokens import MAX_AGE_SECONDS
from leadform.registration.rules import (
    EMAIL_MAX,
    FIELDS,
    HONEYPOT,
    NAME_MAX,
    PHONE_MAX,
    date_closed,
    date_hint,
)

TITLE = N_("1 Minute Self-Registration")
INTRO = N_("Leave your details and our treatment team will call you to arrange your free trial.")
SUBMIT = N_("Register for my free trial")
LABELS = {
    "name": N_("Name"),
    "phone": N_("Phone number"),
    "email": N_("Email"),
    "treatment": N_("Treatment"),
    "preferred_date": N_("Preferred date"),
}
PHONE_HINT = N_("Hong Kong numbers need no country code; others start with +.")


def describe_form(
    language: Language,
    bookable: BookableRange,
    token: str,
    base_url: str,
    policy_templates: tuple[str, str],
    languages: list[str],
) -> dict[str, Any]:
    """Everything a custom front end needs to show and submit the form."""
    _ = language.gettext
    terms_url, privacy_url = (
        urljoin(base_url, policy_url(template, page, language.url_tag))
        for template, page in zip(policy_templates, ("terms", "privacy"), strict=True)
    )
    consent = consent_text(language, terms_url, privacy_url)
    fields = _fields(language, bookable)
    fields["consent_terms"]["label"] = consent.terms.striptags()
    fields["consent_terms"]["label_html"] = str(consent.terms)
    fields["consent_marketing"]["label"] = str(consent.marketing.unescape())
    return {
        "locale": language.tag,
        "languages": languages,
        "title": _(TITLE),
        "intro": _(INTRO),
        "submit_label": _(SUBMIT),
        "token": token,
        "token_max_age_seconds": MAX_AGE_SECONDS,
        "submit": {"method": "POST", "url": urljoin(base_url, "/api/leads")},
        "bookable": {
            "earliest": bookable.earliest.isoformat(),
            "latest": bookable.latest.isoformat(),
            "closed": [
                {
                    "date": closure.day.isoformat(),
                    "reason": None
                    if closure.reason is None
                    else str(language.format_param(closure.reason)),
                    "message": language.translate(date_closed(closure)),
                }
                for closure in bookable.closures
            ],
        },
        "fields": [fields[name] for name in FIELDS],
        "consent": {"terms_url": terms_url, "privacy_url": privacy_url},
        "optional_fields": {
            "attribution": [
                *({"name": name, "max_length": UTM_MAX} for name in UTM_FIELDS),
                *({"name": name, "max_length": CLICK_ID_MAX} for name in CLICK_ID_FIELDS),
                *({"name": name, "max_length": URL_MAX} for name in URL_FIELDS),
            ],
            "honeypot": HONEYPOT,
        },
    }


def _fields(language: Language, bookable: BookableRange) -> dict[str, dict[str, Any]]:
    _ = language.gettext
    return {
        "name": _text("name", _(LABELS["name"]), "text", NAME_MAX, "name"),
        "phone": _text("phone", _(LABELS["phone"]), "tel", PHONE_MAX, "tel")
        | {"hint": _(PHONE_HINT), "default_region": "HK"},
        "email": _text("email", _(LABELS["email"]), "email", EMAIL_MAX, "email")
        | {"required": False},
        "treatment": {
            "name": "treatment",
            "type": "choice",
            "label": _(LABELS["treatment"]),
            "required": True,
            "options": [{"value": value, "label": _(label)} for value, label in TREATMENTS.items()],
        },
        "preferred_date": {
            "name": "preferred_date",
            "type": "date",
            "label": _(LABELS["preferred_date"]),
            "hint": date_hint(language, bookable),
            "required": True,
            "min": bookable.earliest.isoformat(),
            "max": bookable.latest.isoformat(),
        },
        "consent_terms": {"name": "consent_terms", "type": "checkbox", "required": True},
        "consent_marketing": {"name": "consent_marketing", "type": "checkbox", "required": False},
    }


def _text(name: str, label: str, kind: str, max_length: int, autocomplete: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "label": label,
        "required": True,
        "max_length": max_length,
        "autocomplete": autocomplete,
    }
