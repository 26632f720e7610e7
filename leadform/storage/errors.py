"""The one error the storage layer lets out."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

import asyncpg

P = ParamSpec("P")
R = TypeVar("R")


class StorageError(RuntimeError):
    """The database could not do what was asked (locked, read-only, disk full, the
    server gone...)."""


DRIVER_ERRORS: tuple[type[BaseException], ...] = (
    sqlite3.Error,
    ValueError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # a connection the server dropped mid-use
    OSError,  # the server's socket closed or refused (connection loss, restart)
    TimeoutError,  # no pooled connection came free in time
)
"""What the drivers raise when the database cannot answer."""


def storage_errors(call: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """Let a read's driver errors out as StorageError, as the writer does for writes.

    ValueError counts too: aiosqlite raises it for a connection that is gone, and a
    row the code cannot parse is a database that cannot answer either. So do a lost
    PostgreSQL connection and a pool with no connection to give.
    """

    @functools.wraps(call)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await call(*args, **kwargs)
        except DRIVER_ERRORS as exc:
            raise StorageError(str(exc) or type(exc).__name__) from exc

    return guarded


def storage_errors_blocking(call: Callable[P, R]) -> Callable[P, R]:
    """`storage_errors` for the blocking reads a worker thread makes (the export)."""

    @functools.wraps(call)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return call(*args, **kwargs)
        except DRIVER_ERRORS as exc:
            raise StorageError(str(exc) or type(exc).__name__) from exc

    return guarded
