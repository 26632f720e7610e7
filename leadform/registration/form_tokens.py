"""Signed form tokens: a random id and the time the form was issued.

The token rides in a hidden field, so no cookie is needed and the form works inside
third-party iframes. Its id is the submission's idempotency key. Signing is
itsdangerous's HMAC; time comes from the injected clock so tests can move it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from itsdangerous.signer import HMACAlgorithm

from leadform.clock import Clock

MAX_AGE_SECONDS = 24 * 60 * 60
_SALT = "leadform.form-token"


class TokenProblem(Enum):
    MISSING = "missing"
    INVALID = "invalid"
    EXPIRED = "expired"
    TOO_FAST = "too_fast"


@dataclass(frozen=True)
class FormToken:
    id: str
    issued_at: datetime


class _FastHMAC(HMACAlgorithm):
    """The same HMAC-SHA1 signature through hmac.digest, OpenSSL's one-shot call;
    itsdangerous passes a hash constructor, which takes hmac's pure-Python path."""

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.digest(key, value, "sha1")


class _ClockSigner(TimestampSigner):
    def __init__(self, secret: str, clock: Clock) -> None:
        super().__init__(secret, salt=_SALT, algorithm=_FastHMAC(hashlib.sha1))
        self._clock = clock
        self._key: bytes | None = None

    def get_timestamp(self) -> int:
        return int(self._clock().timestamp())

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        # itsdangerous derives the key on every signature; it never changes here.
        if secret_key is not None:
            return super().derive_key(secret_key)
        if self._key is None:
            self._key = super().derive_key()
        return self._key


class FormTokens:
    def __init__(self, secret: str, clock: Clock, min_fill_seconds: float) -> None:
        self._signer = _ClockSigner(secret, clock)
        self._clock = clock
        self._min_fill = min_fill_seconds

    def issue(self) -> str:
        return self._signer.sign(secrets.token_urlsafe(16)).decode("ascii")

    def check(self, value: str) -> FormToken | TokenProblem:
        """Return the token, or why it cannot be accepted."""
        if not value:
            return TokenProblem.MISSING
        if not value.isascii():  # a token is ASCII; the signer would fail to encode others
            return TokenProblem.INVALID
        try:
            raw, issued = self._signer.unsign(value, return_timestamp=True)
        except SignatureExpired:
            return TokenProblem.EXPIRED
        except BadSignature:
            return TokenProblem.INVALID
        age = (self._clock() - issued).total_seconds()
        if age > MAX_AGE_SECONDS:
            return TokenProblem.EXPIRED
        if age < self._min_fill:
            return TokenProblem.TOO_FAST
        return FormToken(id=raw.decode("ascii"), issued_at=issued.astimezone(UTC))
