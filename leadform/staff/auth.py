"""Who may read leads: staff sessions (with throttled sign-in) and API tokens.

No HTTP here: views pass in the cookie value, the Authorization header and the
client's address. Everything lives in the database, so several instances share
sessions, revocations and the throttle.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from itsdangerous import BadSignature, Signer

from leadform.clock import Clock
from leadform.domain import sign_in_throttle
from leadform.domain.actors import Actor
from leadform.staff.api_tokens import bearer_token, parse_token, secret_matches
from leadform.staff.passwords import verify_password
from leadform.storage import Database
from leadform.storage.api_tokens import find_active_token
from leadform.storage.staff import (
    ClaimedSignIn,
    ClearFailures,
    NewSession,
    SignInClaim,
    Staff,
    add_session,
    claim_sign_in,
    clear_failures,
    delete_session,
    find_login,
    session_staff,
)

logger = logging.getLogger("leadform.auth")

SESSION_LIFETIME = timedelta(hours=12)
_SESSION_SALT = "leadform.staff-session"


@dataclass(frozen=True)
class SignedIn:
    staff: Staff
    cookie: str  # the signed session id for the cookie


@dataclass(frozen=True)
class Blocked:
    until: datetime


@dataclass(frozen=True)
class Rejected:
    """Wrong email or password (which one is not said)."""


SignInOutcome = SignedIn | Blocked | Rejected


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


class StaffAuth:
    def __init__(self, secret_key: str, clock: Clock, db: Database) -> None:
        self._secret = secret_key
        self._signer = Signer(secret_key, salt=_SESSION_SALT)
        self._clock = clock
        self._db = db

    async def sign_in(self, email: str, password: str, address: str) -> SignInOutcome:
        email = normalise_email(email)
        now = self._clock()
        keys = sign_in_throttle.throttle_keys(self._secret, email, address)
        claim = SignInClaim(keys, now, now - sign_in_throttle.LOOKBACK)
        claimed: ClaimedSignIn = await self._db.writer.submit(claim_sign_in, claim)
        if claimed.blocked_until is not None:
            logger.info("sign-in refused: throttled")
            return Blocked(claimed.blocked_until)
        login = await find_login(self._db.reader, email)
        known = login is not None and not login.staff.disabled
        stored_hash = login.password_hash if login and known else None
        # argon2 takes tens of milliseconds of CPU: keep it off the event loop.
        matches = await anyio.to_thread.run_sync(verify_password, stored_hash, password)
        if login is None or not known or not matches:
            logger.info("sign-in failed")
            return Rejected()
        session_id = secrets.token_urlsafe(32)
        session = NewSession(_session_hash(session_id), login.staff.id, now, now + SESSION_LIFETIME)
        # A success clears the account's and the address's earlier failures, so a few
        # typos by colleagues behind one office address do not lock everyone out.
        cleared = ClearFailures(keys, max(claimed.attempt_ids))
        await self._db.writer.submit(clear_failures, cleared)
        await self._db.writer.submit(add_session, session)
        logger.info("staff #%d signed in", login.staff.id)
        return SignedIn(login.staff, self._signer.sign(session_id).decode("ascii"))

    def _session_id(self, cookie: str) -> str | None:
        if not cookie or len(cookie) > 200:
            return None
        try:
            return self._signer.unsign(cookie).decode("ascii")
        except (BadSignature, UnicodeError):
            return None

    async def session_staff(self, cookie: str) -> Staff | None:
        """The signed-in staff member, checked against the database every time."""
        session_id = self._session_id(cookie)
        if session_id is None:
            return None
        return await session_staff(self._db.reader, _session_hash(session_id), self._clock())

    async def sign_out(self, cookie: str) -> None:
        session_id = self._session_id(cookie)
        if session_id is not None:
            await self._db.writer.submit(delete_session, _session_hash(session_id))

    async def token_actor(self, authorization: str) -> Actor | None:
        """The API token an `Authorization: Bearer` header carries, if active."""
        presented = parse_token(bearer_token(authorization) or "")
        if presented is None:
            return None
        token = await find_active_token(self._db.reader, presented.public_id)
        if token is None or not secret_matches(presented, token.secret_hash):
            return None
        return Actor("token", token.name, api_token_id=token.id)
