"""The marketing opt-out link each lead gets: `/{lang}/opt-out/{reference}/{signature}`.

The signature is an HMAC-SHA256 of the reference under the secret key with a salt of
its own (itsdangerous), so a link cannot be guessed from a reference and no other
signed value of the service can stand in for it; it is checked in constant time.
Pure: the secret and the service's public address come in as values.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from itsdangerous import Signer

SALT = "leadform.marketing-opt-out"
MAX_SIGNATURE = 64  # a SHA-256 signature is 43 characters; anything longer is not one


@dataclass(frozen=True)
class OptOutLinks:
    secret: str = field(repr=False)
    base_url: str = ""  # https://trial.clinic.example; empty: links are paths

    def _signer(self) -> Signer:
        return Signer(self.secret, salt=SALT, digest_method=hashlib.sha256)

    def signature(self, reference: str) -> str:
        return self._signer().get_signature(reference).decode("ascii")

    def matches(self, reference: str, signature: str) -> bool:
        """Constant-time comparison (hmac.compare_digest inside itsdangerous)."""
        if not signature.isascii() or len(signature) > MAX_SIGNATURE:
            return False
        return self._signer().verify_signature(reference, signature)

    def path(self, reference: str, locale: str) -> str:
        return f"/{locale.lower()}/opt-out/{reference}/{self.signature(reference)}"

    def url(self, reference: str, locale: str) -> str:
        return self.base_url.rstrip("/") + self.path(reference, locale)
