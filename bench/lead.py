"""The lead every bench POST sends: the form as a browser sends it."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo


def lead_body(treatment: str = "acne") -> str:
    day = datetime.now(ZoneInfo("Asia/Hong_Kong")).date() + timedelta(days=7)
    fields = {
        "name": "陳大文",
        "phone": "9123 4567",
        "email": "chan@example.com",
        "treatment": treatment,
        "preferred_date": day.isoformat(),
        "consent_terms": "yes",
    }
    return urlencode(fields)
