"""Where a new lead's notifications go: one target per webhook URL, one for email."""

from __future__ import annotations

from leadform.config import Settings
from leadform.domain.notifications import EMAIL, WEBHOOK, NotificationTarget


def notification_targets(settings: Settings) -> tuple[NotificationTarget, ...]:
    """The targets a lead stored now is queued for, from the settings."""
    webhooks = tuple(NotificationTarget(WEBHOOK, url) for url in settings.webhook_urls)
    if settings.smtp is None:
        return webhooks
    return (*webhooks, NotificationTarget(EMAIL, ", ".join(settings.notify_to)))


def configured_channels(settings: Settings) -> tuple[str, ...]:
    """The channels this process can deliver (a webhook needs only its secret)."""
    channels = []
    if settings.webhook_secret:
        channels.append(WEBHOOK)
    if settings.smtp is not None and settings.notify_from:
        channels.append(EMAIL)
    return tuple(channels)
