"""Files holding personal data are the service's alone: 0600, in 0700 folders,
whatever the umask (SQLite gives its -wal and -shm files the database file's mode)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(folder: Path) -> None:
    """Create `folder` (0700) if it is missing; an existing folder is left as it is."""
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)


def private_file(path: Path) -> None:
    """Create `path` empty with mode 0600, or tighten an existing file to 0600."""
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & ~FILE_MODE:
            path.chmod(FILE_MODE)  # from an older leadform, or copied in by hand
        return
    os.fchmod(fd, FILE_MODE)  # os.open's mode is narrowed by the umask, never widened
    os.close(fd)


def open_private(path: Path, flags: int) -> int:
    """os.open for a new file of personal data, 0600 even if it existed before."""
    fd = os.open(path, flags | os.O_CREAT, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return fd
