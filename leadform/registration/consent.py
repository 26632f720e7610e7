"""The consent sentences: one source for the page and for the stored evidence."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from leadform.i18n.languages import Language
from leadform.i18n.messages import N_

TERMS = N_(
    'I have read and agree to the <a href="%(terms_url)s" target="_blank" rel="noopener">'
    "Registration Terms and Conditions</a> and "
    '<a href="%(privacy_url)s" target="_blank" rel="noopener">Privacy Policy</a>.'
)
MARKETING = N_("I agree to receive promotional messages about the clinic's treatments and offers.")


@dataclass(frozen=True)
class ConsentText:
    terms: Markup
    marketing: Markup

    def evidence(self) -> str:
        """Both sentences as stored with each lead."""
        return f"{self.terms}\n{self.marketing}"


def consent_text(language: Language, terms_url: str, privacy_url: str) -> ConsentText:
    urls = {"terms_url": escape(terms_url), "privacy_url": escape(privacy_url)}
    # The catalog is trusted markup; only the URLs are interpolated, escaped.
    terms = Markup(language.gettext(TERMS)) % urls  # noqa: S704
    return ConsentText(terms=terms, marketing=escape(language.gettext(MARKETING)))


def policy_url(template: str, page: str, url_tag: str) -> str:
    """The clinic's page when configured, else the built-in one."""
    if template:
        return template.format(locale=url_tag)
    return f"/{url_tag}/{page}"
