"""One sender per configured channel, built from the settings at start-up."""

from __future__ import annotations

import ssl

import jinja2

from leadform.clock import Clock
from leadform.config import Settings
from leadform.domain.notifications import EMAIL, WEBHOOK
from leadform.i18n.languages import Language
from leadform.notifications.mail import MailSender
from leadform.notifications.outcomes import Sender
from leadform.notifications.targets import configured_channels
from leadform.notifications.webhook import WebhookSender, webhook_client


def create_senders(
    settings: Settings,
    staff: Language,
    env: jinja2.Environment,
    clock: Clock,
    *,
    tls_context: ssl.SSLContext | None = None,
) -> dict[str, Sender]:
    channels = configured_channels(settings)
    senders: dict[str, Sender] = {}
    if WEBHOOK in channels:
        senders[WEBHOOK] = WebhookSender(
            settings.webhook_secret,
            settings.timezone,
            clock,
            webhook_client(),
            settings.opt_out_links,
        )
    if EMAIL in channels and settings.smtp is not None:
        senders[EMAIL] = MailSender(
            settings.smtp,
            settings.notify_from,
            language=staff,
            zone=settings.timezone,
            env=env,
            clinic=settings.clinic,
            clock=clock,
            tls_context=tls_context,
        )
    return senders
