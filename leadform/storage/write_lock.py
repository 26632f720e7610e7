"""One writer at a time across processes, queued in the kernel.

With `leadform serve --workers N`, each worker has its own group-commit writer, and
SQLite lets one of them write at a time: the others poll the busy handler, which
sleeps up to 100 ms between tries, and those sleeps made the tail latency (a 1.1 s
p99 at 2 workers against 67 ms at one). An exclusive flock(2) on a file beside the
database, held around each write transaction, queues the writers in the kernel
instead: the next one wakes the moment the lock is released. Every process that
writes through `Writer` takes it; anything else still has SQLite's busy timeout.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path


def write_lock_path(database: Path) -> Path:
    """Beside the database: `leads.db` -> `leads.db-writer.lock`."""
    return database.with_name(database.name + "-writer.lock")


class WriteLock:
    def __init__(self, path: Path) -> None:
        # 0600 like the database: the file holds nothing, but is the service's own.
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Hold the lock for the block; waits in a thread when another process has it."""
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting = asyncio.ensure_future(asyncio.to_thread(fcntl.flock, self._fd, fcntl.LOCK_EX))
            try:
                await asyncio.shield(waiting)
            except asyncio.CancelledError:
                # The thread may still get the lock: let it go once it has.
                waiting.add_done_callback(lambda _: self._release())
                raise
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._fd)
