"""The lead every bench POST sends: the form as a browser sends it."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from leadform.clock import system_clock
from leadform.config import load_settings
from leadform.registration.dates import bookable_range

SECRET = "bench-secret-key-" + "b" * 40


def lead_body(treatment: str = "acne") -> str:
    # The server's own rule on the real clock, one day past the earliest so a clinic
    # midnight during a round cannot make it too early (the Flask peer takes it too).
    settings = load_settings({"LEADFORM_SECRET_KEY": SECRET})
    bookable = bookable_range(
        system_clock(), settings.timezone, settings.min_days_ahead, settings.max_days_ahead
    )
    day = bookable.earliest + timedelta(days=1)
    fields = {
        "name": "陳大文",
        "phone": "9123 4567",
        "email": "chan@example.com",
        "treatment": treatment,
        "preferred_date": day.isoformat(),
        "consent_terms": "yes",
    }
    return urlencode(fields)
