"""Notifications of new leads: the outbox's targets, webhook and email senders, and the
delivery task that works through the outbox (see docs/notifications.md)."""
