"""Staff passwords: argon2id hashes (RFC 9106), never the password itself."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # hashing megabytes of "password" would be a denial of service

# argon2-cffi's defaults are RFC 9106's low-memory profile (64 MiB, t=3, p=4).
_hasher = PasswordHasher()
# Checked against when the account does not exist, so a wrong email takes as long
# as a wrong password and sign-in does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("no such account: the dummy password")


class PasswordRejected(ValueError):
    """A new password that does not meet the rules."""


def check_new_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"must be at most {MAX_LENGTH} characters")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_new_password(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; a missing hash still costs a full check."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
