"""Webhook signatures: `Leadform-Signature: t=<unix time>,v1=<hex HMAC-SHA256>`.

The MAC covers "<t>.<body>", the scheme Stripe uses, so a receiver can check both that
the body is ours and that it is fresh (a replayed request carries an old t).
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Leadform-Signature"
DELIVERY_HEADER = "Leadform-Delivery"
DEFAULT_TOLERANCE = 300  # seconds a receiver accepts between t and its own clock


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return mac.hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(
    secret: str, header: str, body: bytes, now: int, tolerance: int = DEFAULT_TOLERANCE
) -> bool:
    """What a receiver does (docs/notifications.md shows the same in a few lines)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return hmac.compare_digest(expected, parts.get("v1", ""))
