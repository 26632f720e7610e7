"""The email the clinic's staff get for a new lead: pure, values in, a message out.

Written in the staff's language (LEADFORM_STAFF_LOCALE), a plain-text body with a
simple HTML alternative. The standard library's email policy encodes non-ASCII headers
(RFC 2047) and bodies, so Chinese names arrive intact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from zoneinfo import ZoneInfo

import jinja2
from babel import Locale
from babel.dates import format_datetime as format_local_datetime

from leadform.domain.clinic import NO_CLINIC, Clinic, readable_number
from leadform.domain.leads import TREATMENTS, Lead
from leadform.i18n.languages import Language
from leadform.i18n.messages import N_, Message
from leadform.notifications.signing import DELIVERY_HEADER

SUBJECT = N_("New registration: %(treatment)s, %(date)s, ref. %(reference)s")
HEADING = N_("New free-trial registration")
ADVICE = N_("Please call to confirm the appointment within one working day.")
YES, NO = N_("Yes"), N_("No")
HTML_TEMPLATE = "email/lead.html"


@dataclass(frozen=True)
class SummaryRow:
    label: str
    value: str
    href: str = ""


def lead_subject(lead: Lead, language: Language) -> str:
    treatment = language.gettext(TREATMENTS[lead.treatment])
    params: dict[str, str | date] = {
        "treatment": treatment,
        "date": lead.preferred_date,
        "reference": lead.reference,
    }
    return language.translate(Message(SUBJECT, params))


def lead_summary(lead: Lead, language: Language, zone: ZoneInfo) -> list[SummaryRow]:
    """The lead's details, labelled and formatted for the staff's language."""
    _ = language.gettext
    rows = [
        SummaryRow(_(N_("Reference")), lead.reference),
        SummaryRow(_("Treatment"), _(TREATMENTS[lead.treatment])),
        SummaryRow(_("Preferred date"), language.format_date(lead.preferred_date)),
        SummaryRow(_("Name"), lead.name),
        SummaryRow(_("Phone number"), readable_number(lead.phone), f"tel:{lead.phone}"),
    ]
    if lead.email:
        rows.append(SummaryRow(_("Email"), lead.email, f"mailto:{lead.email}"))
    rows += [
        SummaryRow(_("Language"), language_name(lead.locale, language.locale)),
        SummaryRow(_(N_("Marketing consent")), _(YES) if lead.consent_marketing else _(NO)),
        SummaryRow(_(N_("Submitted")), submitted(lead.created_at, language.locale, zone)),
    ]
    return rows + attribution_rows(lead, language)


def attribution_rows(lead: Lead, language: Language) -> list[SummaryRow]:
    _ = language.gettext
    a = lead.attribution
    source = " / ".join(v for v in (a.utm_source, a.utm_medium, a.utm_campaign) if v)
    found = [
        (_(N_("Source")), source),
        (_(N_("Page")), a.page_url),
        (_(N_("Referrer")), a.referrer),
    ]
    return [SummaryRow(label, value) for label, value in found if value]


def language_name(tag: str, in_locale: Locale) -> str:
    """The visitor's language named in the staff's (英文, 繁體中文, English)."""
    try:
        visitor = Locale.parse(tag, sep="-")
    except (ValueError, TypeError):
        return tag
    key = "_".join(filter(None, (visitor.language, visitor.script)))
    names = in_locale.languages
    return str(names.get(key) or names.get(visitor.language) or tag)


def submitted(moment: datetime, locale: Locale, zone: ZoneInfo) -> str:
    return str(format_local_datetime(moment, format="medium", tzinfo=zone, locale=locale))


def plain_text(heading: str, rows: list[SummaryRow], advice: str) -> str:
    lines = [heading, "", *(f"{row.label}: {row.value}" for row in rows), "", advice]
    return "\n".join(lines) + "\n"


def compose_lead_email(
    lead: Lead,
    *,
    language: Language,
    zone: ZoneInfo,
    env: jinja2.Environment,
    clinic: Clinic = NO_CLINIC,
    sender: str,
    recipients: str,
    delivery_id: str,
    now: datetime,
) -> EmailMessage:
    rows = lead_summary(lead, language, zone)
    heading, advice = language.gettext(HEADING), language.gettext(ADVICE)
    subject = lead_subject(lead, language)
    if clinic.name is not None:
        # The clinic's name first: staff of several clinics (or a shared inbox) sort by it.
        name = language.pick(clinic.name)
        subject, heading = f"[{name}] {subject}", f"{heading} · {name}"
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = recipients
    reply_to = lead_reply_to(lead)
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(now)
    # Derived from the delivery id: a retried send carries the same Message-ID, so a
    # mailbox that already has it can drop the repeat.
    message["Message-ID"] = f"<{delivery_id}@{sender_domain(sender)}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
    message[DELIVERY_HEADER] = delivery_id
    message.set_content(plain_text(heading, rows, advice))
    html = env.get_template(HTML_TEMPLATE).render(
        lang=language, heading=heading, rows=rows, advice=advice
    )
    message.add_alternative(html, subtype="html")
    return message


def lead_reply_to(lead: Lead) -> Address | None:
    """Staff can answer the visitor directly; left out for addresses SMTP may refuse."""
    if not lead.email or not lead.email.isascii():
        return None
    local, _, domain = lead.email.rpartition("@")
    try:
        return Address(display_name=lead.name, username=local, domain=domain)
    except (ValueError, IndexError):
        return None


def sender_domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "leadform.invalid"
