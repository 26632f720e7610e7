"""The one error the storage layer lets out."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class StorageError(RuntimeError):
    """The database could not do what was asked (locked, read-only, disk full...)."""


def storage_errors(call: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Let a read's driver errors out as StorageError, as the writer does for writes.

    ValueError counts too: aiosqlite raises it for a connection that is gone, and a
    row the code cannot parse is a database that cannot answer either.
    """

    @functools.wraps(call)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await call(*args, **kwargs)
        except (sqlite3.Error, ValueError) as exc:
            raise StorageError(str(exc) or type(exc).__name__) from exc

    return guarded


def storage_errors_blocking(call: Callable[P, R]) -> Callable[P, R]:
    """`storage_errors` for the blocking reads a worker thread makes (the export)."""

    @functools.wraps(call)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return call(*args, **kwargs)
        except (sqlite3.Error, ValueError) as exc:
            raise StorageError(str(exc) or type(exc).__name__) from exc

    return guarded
