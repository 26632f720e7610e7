"""Staff accounts, their sessions and sign-in attempts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from leadform.domain.sign_in_throttle import blocked_until
from leadform.storage.errors import storage_errors
from leadform.storage.times import utc_iso


@dataclass(frozen=True)
class Staff:
    id: int
    email: str
    created_at: datetime
    disabled: bool
    admin: bool = False  # may erase a person's data; others read and export only


@dataclass(frozen=True)
class StaffLogin:
    staff: Staff
    password_hash: str


_STAFF_COLUMNS = "id, email, created_at, disabled_at, admin, password_hash"


def _staff(row: aiosqlite.Row) -> Staff:
    return Staff(
        id=row["id"],
        email=row["email"],
        created_at=datetime.fromisoformat(row["created_at"]),
        disabled=row["disabled_at"] is not None,
        admin=bool(row["admin"]),
    )


# --- writes (run inside the group-commit writer's transaction) -------------------


@dataclass(frozen=True)
class NewStaff:
    email: str
    password_hash: str
    at: datetime
    admin: bool = False


async def add_staff(conn: aiosqlite.Connection, items: Sequence[NewStaff]) -> list[bool]:
    """Insert accounts; False for an email that already has one."""
    added = []
    for new in items:
        cursor = await conn.execute(
            "INSERT INTO staff (email, password_hash, created_at, password_changed_at, admin) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING",
            (new.email, new.password_hash, utc_iso(new.at), utc_iso(new.at), int(new.admin)),
        )
        added.append(cursor.rowcount == 1)
    return added


@dataclass(frozen=True)
class PasswordChange:
    email: str
    password_hash: str
    at: datetime


async def change_password(
    conn: aiosqlite.Connection, items: Sequence[PasswordChange]
) -> list[bool]:
    """Set a new hash and end the account's sessions; False for an unknown email."""
    changed = []
    for change in items:
        cursor = await conn.execute(
            "UPDATE staff SET password_hash = ?, password_changed_at = ? WHERE email = ?",
            (change.password_hash, utc_iso(change.at), change.email),
        )
        await _end_sessions(conn, change.email)
        changed.append(cursor.rowcount == 1)
    return changed


@dataclass(frozen=True)
class Disable:
    email: str
    at: datetime | None  # None enables the account again


async def set_disabled(conn: aiosqlite.Connection, items: Sequence[Disable]) -> list[bool]:
    """Disable (ending every session at once) or enable; False for an unknown email."""
    done = []
    for item in items:
        at = utc_iso(item.at) if item.at else None
        cursor = await conn.execute(
            "UPDATE staff SET disabled_at = ? WHERE email = ?", (at, item.email)
        )
        await _end_sessions(conn, item.email)
        done.append(cursor.rowcount == 1)
    return done


@dataclass(frozen=True)
class RoleChange:
    email: str
    admin: bool


async def set_admin(conn: aiosqlite.Connection, items: Sequence[RoleChange]) -> list[bool]:
    """Make an account an administrator or ordinary staff; False for an unknown email.
    Sessions stay: the role is read from the database on every request."""
    done = []
    for item in items:
        cursor = await conn.execute(
            "UPDATE staff SET admin = ? WHERE email = ?", (int(item.admin), item.email)
        )
        done.append(cursor.rowcount == 1)
    return done


async def _end_sessions(conn: aiosqlite.Connection, email: str) -> None:
    await conn.execute(
        "DELETE FROM staff_sessions WHERE staff_id = (SELECT id FROM staff WHERE email = ?)",
        (email,),
    )


@dataclass(frozen=True)
class NewSession:
    id_hash: str
    staff_id: int
    created_at: datetime
    expires_at: datetime


async def add_session(conn: aiosqlite.Connection, items: Sequence[NewSession]) -> list[None]:
    for new in items:
        await conn.execute(
            "INSERT INTO staff_sessions (id_hash, staff_id, created_at, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (new.id_hash, new.staff_id, utc_iso(new.created_at), utc_iso(new.expires_at)),
        )
    if items:  # housekeeping: sessions past their end are useless
        await conn.execute(
            "DELETE FROM staff_sessions WHERE expires_at <= ?", (utc_iso(items[0].created_at),)
        )
    return [None] * len(items)


async def delete_session(conn: aiosqlite.Connection, id_hashes: Sequence[str]) -> list[None]:
    await conn.executemany(
        "DELETE FROM staff_sessions WHERE id_hash = ?", [(h,) for h in id_hashes]
    )
    return [None] * len(id_hashes)


# --- sign-in attempts --------------------------------------------------------------


@dataclass(frozen=True)
class SignInClaim:
    """A sign-in about to be checked: its throttling keys and the time."""

    keys: tuple[str, ...]
    at: datetime
    since: datetime  # failures before this cannot matter any more


async def recent_failures(
    conn: aiosqlite.Connection, keys: Sequence[str], since: datetime
) -> dict[str, list[datetime]]:
    found: dict[str, list[datetime]] = {key: [] for key in keys}
    for key in keys:
        async with conn.execute(
            "SELECT attempted_at FROM login_attempts WHERE key_hash = ? AND attempted_at > ?",
            (key, utc_iso(since)),
        ) as cursor:
            found[key] = [datetime.fromisoformat(row[0]) for row in await cursor.fetchall()]
    return found


async def record_sign_in_attempt(conn: aiosqlite.Connection, claim: SignInClaim) -> tuple[int, ...]:
    ids = []
    for key in claim.keys:
        cursor = await conn.execute(
            "INSERT INTO login_attempts (key_hash, attempted_at) VALUES (?, ?)",
            (key, utc_iso(claim.at)),
        )
        ids.append(int(cursor.lastrowid or 0))
    await conn.execute(
        "DELETE FROM login_attempts WHERE attempted_at <= ?", (utc_iso(claim.since),)
    )
    return tuple(ids)


@dataclass(frozen=True)
class ClaimedSignIn:
    attempt_ids: tuple[int, ...]  # empty when blocked
    blocked_until: datetime | None


async def claim_sign_in(
    conn: aiosqlite.Connection, claims: Sequence[SignInClaim]
) -> list[ClaimedSignIn]:
    """Inside one write transaction: refuse a blocked key, else record the attempt
    (as a failure until it succeeds), so racing instances count every try."""
    results = []
    for claim in claims:
        failures = await recent_failures(conn, claim.keys, claim.since)
        ends = (blocked_until(times, claim.at) for times in failures.values())
        until = max((end for end in ends if end), default=None)
        if until is not None:
            results.append(ClaimedSignIn((), until))
            continue
        results.append(ClaimedSignIn(await record_sign_in_attempt(conn, claim), None))
    return results


@dataclass(frozen=True)
class ClearFailures:
    """A sign-in that succeeded: its keys and the last attempt row it recorded."""

    keys: tuple[str, ...]
    upto_id: int


async def clear_failures(conn: aiosqlite.Connection, items: Sequence[ClearFailures]) -> list[None]:
    """Delete the keys' attempts up to and including the successful one's rows.

    Row ids follow the order attempts were claimed in (one writer), so attempts
    claimed after the success, perhaps on another instance, are kept and still count.
    """
    for item in items:
        marks = ", ".join("?" * len(item.keys))
        await conn.execute(
            f"DELETE FROM login_attempts WHERE key_hash IN ({marks}) AND id <= ?",  # noqa: S608
            (*item.keys, item.upto_id),
        )
    return [None] * len(items)


# --- reads -------------------------------------------------------------------------


@storage_errors
async def find_login(conn: aiosqlite.Connection, email: str) -> StaffLogin | None:
    query = f"SELECT {_STAFF_COLUMNS} FROM staff WHERE email = ?"  # noqa: S608 - constant
    async with conn.execute(query, (email,)) as cursor:
        row = await cursor.fetchone()
    return StaffLogin(_staff(row), row["password_hash"]) if row else None


@storage_errors
async def list_staff(conn: aiosqlite.Connection) -> list[Staff]:
    query = f"SELECT {_STAFF_COLUMNS} FROM staff ORDER BY email"  # noqa: S608 - constant
    async with conn.execute(query) as cursor:
        return [_staff(row) for row in await cursor.fetchall()]


@storage_errors
async def session_staff(conn: aiosqlite.Connection, id_hash: str, now: datetime) -> Staff | None:
    """The active staff member a session belongs to; None when it ended or the
    account is disabled (checked on every request, so it takes effect at once)."""
    query = (
        "SELECT staff.id, staff.email, staff.created_at, staff.disabled_at, staff.admin, "
        "staff.password_hash FROM staff_sessions JOIN staff ON staff.id = staff_id "
        "WHERE id_hash = ? AND expires_at > ? AND staff.disabled_at IS NULL"
    )
    async with conn.execute(query, (id_hash, utc_iso(now))) as cursor:
        row = await cursor.fetchone()
    return _staff(row) if row else None
