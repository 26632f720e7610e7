"""CSRF tokens for the staff forms: a signed double submit.

The browser holds a random secret in a SameSite=Strict, HttpOnly cookie; each form
carries a token signed with the service's key that names a hash of that secret. A
forged cross-site post has neither the cookie nor a token matching it (OWASP CSRF
Prevention Cheat Sheet, "signed double-submit cookie"). The public lead form does
not use this: it works inside other sites' iframes, where cookies are not sent.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from itsdangerous import BadData, URLSafeTimedSerializer

MAX_AGE_SECONDS = 12 * 60 * 60
_SALT = "leadform.csrf"


def new_cookie_secret() -> str:
    return secrets.token_urlsafe(32)


class CsrfTokens:
    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)

    def issue(self, cookie_secret: str) -> str:
        return str(self._serializer.dumps(_digest(cookie_secret)))

    def check(self, token: str, cookie_secret: str) -> bool:
        if not token or not cookie_secret or len(token) > 500:
            return False
        try:
            named = self._serializer.loads(token, max_age=MAX_AGE_SECONDS)
        except BadData:
            return False
        return isinstance(named, str) and hmac.compare_digest(named, _digest(cookie_secret))


def _digest(cookie_secret: str) -> str:
    return hashlib.sha256(cookie_secret.encode("utf-8", "replace")).hexdigest()
