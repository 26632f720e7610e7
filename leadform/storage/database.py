"""The storage contract: a Database with a reader and a writer, whatever the engine.

Reads take `db.reader` (a Connection); writes go through `db.writer.submit(write,
item)`, which runs `write` inside a transaction and answers once it committed. The
engines (storage/sqlite.py, storage/postgresql.py) provide both, their migrations
(storage/migrations/ and storage/migrations/postgresql/, the same numbers) and a
reader for long exports.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources
from typing import Any, Protocol

from leadform.domain.leads import NewLead, StoredLead
from leadform.domain.submission_limits import OverLimit, SubmissionAttempt
from leadform.storage.connection import Connection, Engine
from leadform.storage.lead_queries import ExportReader
from leadform.storage.leads import find_lead_by_token, write_leads
from leadform.storage.submission_limits import record_submission_attempts, write_leads_within_limits
from leadform.storage.writer import BatchWrite

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_MIGRATION_FOLDERS: dict[Engine, tuple[str, ...]] = {
    "sqlite": ("migrations",),
    "postgresql": ("migrations", "postgresql"),
}


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations(engine: Engine = "sqlite") -> list[Migration]:
    """The schema's forward migrations for `engine`, in order (NNNN_*.sql)."""
    folder = resources.files("leadform.storage")
    for part in _MIGRATION_FOLDERS[engine]:
        folder = folder.joinpath(part)
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    return sorted(found, key=lambda m: m.version)


def split_statements(sql: str) -> list[str]:
    """Split a migration into complete statements (sqlite3 knows where one ends)."""
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip() and not all(
        line.strip().startswith("--") or not line.strip() for line in current.splitlines()
    ):
        raise ValueError(f"incomplete SQL statement: {current.strip()[:60]!r}")
    return statements


class Writer(Protocol):
    async def submit(self, write: BatchWrite, item: Any) -> Any:
        """Run `write(conn, [item])` in a transaction; its result once committed."""
        ...

    async def stop(self) -> None: ...


class Database:
    """An engine's reader and writer; created in the app's lifespan."""

    def __init__(self, reader: Connection, writer: Writer) -> None:
        self.reader = reader
        self.writer = writer

    @property
    def engine(self) -> Engine:
        return self.reader.engine

    def check_writable(self) -> None:
        """Raise StorageError when a lead written now would be lost (SQLite: the file
        was replaced while open). Nothing to check where the engine has no such file."""
        return None

    async def save_lead(self, new: NewLead) -> StoredLead:
        """Store a lead (or find the one its token already stored) once committed."""
        self.check_writable()
        stored: StoredLead = await self.writer.submit(write_leads, new)
        return stored

    async def save_lead_within_limits(
        self, new: NewLead, attempt: SubmissionAttempt
    ) -> StoredLead | OverLimit:
        """Like save_lead, unless the attempt is over a rate limit: then nothing is stored."""
        self.check_writable()
        result: StoredLead | OverLimit = await self.writer.submit(
            write_leads_within_limits, (new, attempt)
        )
        return result

    async def record_submission_attempt(self, attempt: SubmissionAttempt) -> OverLimit | None:
        """Count an attempt that stores nothing; None when it was within the limits."""
        result: OverLimit | None = await self.writer.submit(record_submission_attempts, attempt)
        return result

    async def find_lead_by_token(self, token_id: str) -> StoredLead | None:
        return await find_lead_by_token(self.reader, token_id)

    async def ping(self) -> bool:
        """Whether the database answers now (the health check)."""
        raise NotImplementedError

    async def size_bytes(self) -> int:
        """What the database takes on disk (the metrics). Raises StorageError."""
        raise NotImplementedError

    async def checkpoint(self, tries: int = 3, pause: float = 0.2) -> bool:
        """Make deleted rows leave the files (after an erasure); False when it could not
        finish this time. Nothing to do where the engine keeps no such copy here."""
        return True

    async def export_reader(self) -> ExportReader:
        """A reader of its own for one export (blocking: use it from a worker thread)."""
        raise NotImplementedError

    async def tables(self) -> list[str]:
        """The schema's tables (for `database copy`), its own bookkeeping left out."""
        raise NotImplementedError

    async def primary_key(self, table: str) -> tuple[str, ...]:
        raise NotImplementedError

    async def after_copy(self) -> None:
        """Rows came in with their ids: the next id must come after them."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError
