"""API tokens for scripts: `lf_<public id>_<secret>`, shown once, stored as a hash.

The public id finds the row; the secret is compared as a SHA-256 digest in constant
time. A fast hash is enough here: the secret is 256 random bits, not a password.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

PREFIX = "lf"
_TOKEN = re.compile(r"^lf_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$")
_PUBLIC_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class NewToken:
    token: str  # give to the script, never store
    public_id: str
    secret_hash: str


@dataclass(frozen=True)
class PresentedToken:
    public_id: str
    secret: str


def new_token() -> NewToken:
    public_id = "".join(secrets.choice(_PUBLIC_ALPHABET) for _ in range(12))
    secret = secrets.token_urlsafe(32)
    return NewToken(f"{PREFIX}_{public_id}_{secret}", public_id, secret_hash(secret))


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def parse_token(value: str) -> PresentedToken | None:
    match = _TOKEN.match(value)
    return PresentedToken(match.group(1), match.group(2)) if match else None


def secret_matches(presented: PresentedToken, stored_hash: str) -> bool:
    return hmac.compare_digest(secret_hash(presented.secret), stored_hash)


def bearer_token(authorization: str) -> str | None:
    """The credentials of an `Authorization: Bearer ...` header (RFC 6750)."""
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()
