"""The one connection interface every storage query is written against.

Queries use `?` placeholders and SQL both engines understand; each engine's module
(storage/sqlite.py, storage/postgresql.py) adapts its driver to this interface and
keeps what only it needs (locks, placeholders, RETURNING) behind the same names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, Protocol

Engine = Literal["sqlite", "postgresql"]


class Row(Protocol):
    """A result row, readable by column name or position (sqlite3.Row, asyncpg.Record)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def keys(self) -> Iterable[str]: ...


class Connection(Protocol):
    engine: Engine

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def fetchrow(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    async def serialise(self, keys: Sequence[str]) -> None:
        """Until the transaction ends, no other transaction (in any process) that
        serialises one of `keys` runs. SQLite's single writer does this already."""
        ...

    async def share(self, key: str) -> None:
        """Hold `key` shared until the transaction ends: others sharing it run on,
        one serialising it waits for all of them (see the export cursor)."""
        ...
