"""Notifications as the settings configure them: where a new lead's go (one target per
webhook URL, one for email), which channels this process delivers, and the language
of the staff's email."""

from __future__ import annotations

from leadform.config import Settings, SettingsError
from leadform.domain.notifications import EMAIL, WEBHOOK, NotificationTarget
from leadform.i18n.languages import Language, Languages


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


def staff_language(languages: Languages, settings: Settings) -> Language:
    """The catalog for LEADFORM_STAFF_LOCALE; refuses start-up when email is on and
    there is none (without email, the default language stands in unused)."""
    language = languages.match(settings.staff_locale)
    if language is None and settings.smtp is None:
        return languages.default
    if language is None:
        available = ", ".join(lang.tag for lang in languages.all)
        raise SettingsError(
            "LEADFORM_STAFF_LOCALE",
            f"no catalog for {settings.staff_locale!r} (available: {available})",
        )
    return language
