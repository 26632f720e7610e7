"""The single writer: queued writes committed together (group commit).

SQLite has one writer at a time, and with synchronous=FULL each COMMIT waits for
the disk. Requests therefore queue their writes here; one task takes everything
waiting, runs it in one BEGIN IMMEDIATE ... COMMIT, and answers every request only
after that commit. Under load a batch carries many writes for one fsync; when idle
a batch is a single write and nothing waits for a timer.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from leadform.storage.errors import StorageError
from leadform.storage.write_lock import WriteLock

logger = logging.getLogger("leadform.storage")

BatchWrite = Callable[[aiosqlite.Connection, Sequence[Any]], Awaitable[Sequence[Any]]]
"""Writes a group of items inside the open transaction; returns a result per item."""

MAX_BATCH = 512


@dataclass
class _Pending:
    write: BatchWrite
    item: Any
    future: asyncio.Future[Any] = field(repr=False)


class Writer:
    def __init__(self, conn: aiosqlite.Connection, lock: WriteLock) -> None:
        self.conn = conn
        self.lock = lock  # the other processes' writers wait on it (write_lock.py)
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="leadform-writer")

    async def submit(self, write: BatchWrite, item: Any) -> Any:
        """Queue `item` for `write`; return its result once committed."""
        if self._closing:
            raise StorageError("the database is closing")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(write, item, future))
        # shield: a client that hangs up must not cancel a write others share
        return await asyncio.shield(future)

    async def stop(self) -> None:
        """Commit everything already queued, then close the connection."""
        self._closing = True
        if self._task is not None:
            self._queue.put_nowait(None)
            await self._task
        await self.conn.close()
        self.lock.close()

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_BATCH and not self._queue.empty():
                more = self._queue.get_nowait()
                if more is None:
                    stop = True
                    break
                batch.append(more)
            await self._commit(batch)
            if stop:
                return

    async def _commit(self, batch: list[_Pending]) -> None:
        groups: dict[BatchWrite, list[_Pending]] = {}
        for pending in batch:
            groups.setdefault(pending.write, []).append(pending)
        try:
            async with self.lock.held():
                results = await self._transaction(groups)
        except Exception as exc:  # the task must survive anything a batch raises
            failure: Exception = exc
            if isinstance(exc, sqlite3.Error):
                failure = StorageError(str(exc))
                logger.error("write of %d item(s) failed: %s", len(batch), exc)
            elif not isinstance(exc, StorageError):
                logger.exception("write of %d item(s) failed unexpectedly", len(batch))
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(failure)
            return
        for pending, result in results:
            if not pending.future.done():
                pending.future.set_result(result)

    async def _transaction(
        self, groups: dict[BatchWrite, list[_Pending]]
    ) -> list[tuple[_Pending, Any]]:
        """One BEGIN IMMEDIATE ... COMMIT for every group; rolled back on failure."""
        try:
            await self.conn.execute("BEGIN IMMEDIATE")
            results: list[tuple[_Pending, Any]] = []
            for write, members in groups.items():
                outcome = await write(self.conn, [m.item for m in members])
                results.extend(zip(members, outcome, strict=True))
            await self.conn.execute("COMMIT")
        except Exception:
            await self._rollback()
            raise
        return results

    async def _rollback(self) -> None:
        try:
            if self.conn.in_transaction:
                await self.conn.execute("ROLLBACK")
        except sqlite3.Error as exc:  # the connection itself is in trouble
            logger.error("rollback failed: %s", exc)
