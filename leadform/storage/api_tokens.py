"""API tokens: only their hashes are stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from leadform.storage.errors import storage_errors
from leadform.storage.times import utc_iso


@dataclass(frozen=True)
class ApiToken:
    id: int
    name: str
    public_id: str
    secret_hash: str
    created_at: datetime
    revoked: bool


@dataclass(frozen=True)
class NewApiToken:
    name: str
    public_id: str
    secret_hash: str
    at: datetime


@dataclass(frozen=True)
class Revoke:
    name: str
    at: datetime


_COLUMNS = "id, name, public_id, secret_hash, created_at, revoked_at"


def _token(row: aiosqlite.Row) -> ApiToken:
    return ApiToken(
        id=row["id"],
        name=row["name"],
        public_id=row["public_id"],
        secret_hash=row["secret_hash"],
        created_at=datetime.fromisoformat(row["created_at"]),
        revoked=row["revoked_at"] is not None,
    )


async def add_token(conn: aiosqlite.Connection, items: Sequence[NewApiToken]) -> list[bool]:
    """Insert tokens; False when the name is taken."""
    added = []
    for new in items:
        cursor = await conn.execute(
            "INSERT INTO api_tokens (name, public_id, secret_hash, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (new.name, new.public_id, new.secret_hash, utc_iso(new.at)),
        )
        added.append(cursor.rowcount == 1)
    return added


async def revoke_token(conn: aiosqlite.Connection, items: Sequence[Revoke]) -> list[bool]:
    """Revoke by name; False when no active token has that name."""
    done = []
    for item in items:
        cursor = await conn.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
            (utc_iso(item.at), item.name),
        )
        done.append(cursor.rowcount == 1)
    return done


@storage_errors
async def list_tokens(conn: aiosqlite.Connection) -> list[ApiToken]:
    query = f"SELECT {_COLUMNS} FROM api_tokens ORDER BY name"  # noqa: S608 - constant
    async with conn.execute(query) as cursor:
        return [_token(row) for row in await cursor.fetchall()]


@storage_errors
async def find_active_token(conn: aiosqlite.Connection, public_id: str) -> ApiToken | None:
    query = f"SELECT {_COLUMNS} FROM api_tokens WHERE public_id = ? AND revoked_at IS NULL"  # noqa: S608
    async with conn.execute(query, (public_id,)) as cursor:
        row = await cursor.fetchone()
    return _token(row) if row else None
