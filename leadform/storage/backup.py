"""Consistent copies of the live database, and putting one back.

Both use SQLite's online backup API (https://sqlite.org/backup.html): the copy is
taken in one step inside one read transaction, so it is a snapshot of committed
leads even while the service keeps writing (WAL readers do not block the writer).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from leadform.storage.database import migrations
from leadform.storage.errors import StorageError
from leadform.storage.file_lock import exclusive_hold
from leadform.storage.private_files import open_private, private_folder


@dataclass(frozen=True)
class Snapshot:
    path: Path
    leads: int
    schema_version: int


def utc_stamp(now: datetime) -> str:
    """A moment as part of a file name, sorting in time order: 20261201T021500Z."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def backup_name(now: datetime) -> str:
    return f"leads-{utc_stamp(now)}.db"


def kept_name(database: Path, now: datetime) -> Path:
    """Where a restore keeps the database it replaces."""
    return database.with_name(f"{database.name}.before-restore-{utc_stamp(now)}")


def backup_database(source: Path, target: Path, busy_timeout: float = 5.0) -> Snapshot:
    """Copy the database at `source` to `target` (replaced atomically, mode 0600)."""
    if not source.is_file():
        raise StorageError(f"no database at {source}")
    partial = _copy(source, target, busy_timeout)
    os.replace(partial, target)
    _fsync(target.parent)  # the rename must reach the disk before we say it exists
    return check_backup(target)


def check_backup(path: Path) -> Snapshot:
    """Refuse a file that is not a sound leadform database this version can run."""
    if not path.is_file():
        raise StorageError(f"no backup at {path}")
    with closing(_connect(path, read_only=True)) as conn:
        return _check(conn, path)


def restore_database(backup: Path, target: Path, keep_as: Path | None) -> Snapshot:
    """Replace the database at `target` with `backup`; the current one is first copied
    to `keep_as` when it exists and `keep_as` is given. Refuses (DatabaseInUse) while
    any process has `target` open."""
    check_backup(backup)
    with exclusive_hold(target):
        return _replace(backup, target, keep_as)


def _replace(backup: Path, target: Path, keep_as: Path | None) -> Snapshot:
    if keep_as is not None and target.is_file():
        _keep(target, keep_as)
    private_folder(target.parent)
    partial = _copy(backup, target)
    # The old WAL belongs to the old file: left beside the new one, SQLite would
    # replay it into the restored database.
    for suffix in ("-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(partial, target)
    _fsync(target.parent)
    return check_backup(target)


def _copy(source: Path, target: Path, busy_timeout: float = 5.0) -> Path:
    """A checked, synced copy of `source` beside `target`; the caller renames it."""
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    # Leads are personal data: copies are readable by their owner only.
    os.close(open_private(partial, os.O_WRONLY | os.O_EXCL))
    try:
        with closing(_connect(source, busy_timeout)) as src, closing(_connect(partial)) as dst:
            try:
                src.backup(dst)
                # One self-contained file: no -wal beside a copy.
                dst.execute("PRAGMA journal_mode = DELETE")
            except sqlite3.Error as exc:
                raise StorageError(f"cannot copy {source}: {exc}") from exc
            _check(dst, source)
        _fsync(partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return partial


def _keep(current: Path, keep_as: Path) -> None:
    try:
        backup_database(current, keep_as)
    except StorageError:
        # A damaged database (often why one restores) cannot go through the backup
        # API; keep its bytes as they are, WAL included, for whoever investigates.
        for suffix in ("", "-wal"):
            source = current.with_name(current.name + suffix)
            if source.exists():
                kept = keep_as.with_name(keep_as.name + suffix)
                shutil.copyfile(source, kept)
                kept.chmod(0o600)


def _connect(
    path: Path, busy_timeout: float = 5.0, *, read_only: bool = False
) -> sqlite3.Connection:
    try:
        if read_only:
            return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        return sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open {path}: {exc}") from exc


def _check(conn: sqlite3.Connection, path: Path) -> Snapshot:
    latest = migrations()[-1].version
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if problems != ["ok"]:
            raise StorageError(f"{path} failed PRAGMA integrity_check: {problems[0]}")
        if version > latest:
            raise StorageError(
                f"{path} has schema version {version}, newer than this leadform knows ({latest})"
            )
        leads = int(conn.execute("SELECT count(*) FROM leads").fetchone()[0])
    except sqlite3.Error as exc:
        raise StorageError(f"{path} is not a leadform database: {exc}") from exc
    return Snapshot(path, leads, version)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
