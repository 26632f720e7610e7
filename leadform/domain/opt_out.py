"""The marketing opt-out link each lead gets: `/{lang}/opt-out/{reference}/{signature}`.

The signature is an HMAC-SHA256 of the reference under the secret key with a salt of
its own (itsdangerous), so a link cannot be guessed from a reference and no other
signed value of the service can stand in for it; it is checked in constant time.
Pure: the secret and the service's public address come in as values.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from functools import cached_property

from itsdangerous import Signer
from itsdangerous.encoding import base64_encode

SALT = "leadform.marketing-opt-out"
MAX_SIGNATURE = 64  # a SHA-256 signature is 43 characters; anything longer is not one


@dataclass(frozen=True)
class OptOutLinks:
    secret: str = field(repr=False)
    base_url: str = ""  # https://trial.clinic.example; empty: links are paths

    @cached_property
    def _signer(self) -> Signer:
        return Signer(self.secret, salt=SALT, digest_method=hashlib.sha256)

    @cached_property
    def _mac(self) -> hmac.HMAC:
        # itsdangerous derives the key from secret and salt for every signature; an
        # export signs a link per row, so the keyed HMAC is set up once and copied
        # (the same signatures as Signer.get_signature, a test checks).
        return hmac.new(self._signer.derive_key(), digestmod=hashlib.sha256)

    def signature(self, reference: str) -> str:
        mac = self._mac.copy()
        mac.update(reference.encode("ascii"))
        return base64_encode(mac.digest()).decode("ascii")

    def matches(self, reference: str, signature: str) -> bool:
        """Constant-time comparison (hmac.compare_digest inside itsdangerous)."""
        if not signature.isascii() or len(signature) > MAX_SIGNATURE:
            return False
        if not reference.isascii():
            return False
        return self._signer.verify_signature(reference, signature)

    def path(self, reference: str, locale: str) -> str:
        return f"/{locale.lower()}/opt-out/{reference}/{self.signature(reference)}"

    def url(self, reference: str, locale: str) -> str:
        return f"{self.base_url}/{locale.lower()}/opt-out/{reference}/{self.signature(reference)}"
