"""Where a new lead's notifications go: one target per webhook URL, one for email."""

from __future__ import annotations

from dataclasses import dataclass

from leadform.config import Settings

WEBHOOK = "webhook"
EMAIL = "email"
CHANNELS = (WEBHOOK, EMAIL)


@dataclass(frozen=True)
class NotificationTarget:
    channel: str
    target: str  # the webhook URL, or the email recipients joined by ", "


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
