"""Who has the database open: a lock file beside it (`<database>.lock`).

Every process that opens the database (each service worker, each command) holds a
shared flock(2) on it for as long as the database is open; replacing the database
(`leadform restore`) needs the exclusive lock, so it cannot swap the file under a
running service, whose workers would keep writing leads into the replaced file.
flock is released by the kernel when a process dies, so a crash leaves no stale lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from leadform.storage.errors import StorageError
from leadform.storage.private_files import open_private, private_folder


class DatabaseInUse(StorageError):
    """Another process has the database open (or is replacing it)."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def _open_lock_file(database: Path) -> int:
    try:
        return open_private(lock_path(database), os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        raise StorageError(f"cannot open {lock_path(database)}: {exc.strerror}") from None


class SharedHold:
    """A shared lock on the database's lock file, held until `release`."""

    def __init__(self, database: Path) -> None:
        self._fd = _open_lock_file(database)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise DatabaseInUse(
                f"{database} is being replaced (leadform restore); try again when it is done"
            ) from None

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = -1


@contextmanager
def exclusive_hold(database: Path) -> Iterator[None]:
    """Hold the database for ourselves, or refuse at once if anyone has it open."""
    private_folder(database.parent)
    fd = _open_lock_file(database)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(
                f"{database} is open in another process (is leadform serve running?); stop it first"
            ) from None
        yield
    finally:
        os.close(fd)
