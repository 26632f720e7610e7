"""Where a lead's notifications go: the channels and one target of one channel."""

from __future__ import annotations

from dataclasses import dataclass

WEBHOOK = "webhook"
EMAIL = "email"
CHANNELS = (WEBHOOK, EMAIL)


@dataclass(frozen=True)
class NotificationTarget:
    channel: str
    target: str  # the webhook URL, or the email recipients joined by ", "
