"""Choosing the engine LEADFORM_DATABASE names: a file path (SQLite) or a
postgresql:// URL (PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from leadform.config import PostgresUrl
from leadform.storage.database import Database
from leadform.storage.postgresql import check_postgresql, open_postgresql
from leadform.storage.sqlite import check_file, open_sqlite


async def open_database(
    target: Path | PostgresUrl, busy_timeout: float = 5.0, *, create: bool = True
) -> Database:
    """Open (creating or migrating as needed) the database `target` names. `create`
    false (the commands): a missing SQLite file is an error, not a new empty one; a
    PostgreSQL database is never created here, whatever `create` says."""
    if isinstance(target, PostgresUrl):
        return await open_postgresql(target, busy_timeout)
    return await open_sqlite(target, busy_timeout, create=create)


def check_database(target: Path | PostgresUrl) -> None:
    """Before start-up: the database can be reached and its schema is not newer than
    this leadform knows. Raises StorageError with one readable line."""
    if isinstance(target, PostgresUrl):
        check_postgresql(target)
    else:
        check_file(target)
