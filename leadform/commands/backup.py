"""`leadform backup PATH`: a consistent copy of the live database, safe under load."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from leadform.clock import system_clock
from leadform.config import SettingsError, database_path
from leadform.storage import StorageError
from leadform.storage.backup import backup_database, backup_name


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "backup",
        help="copy the live database (safe while the service runs)",
        description="Write a consistent copy of LEADFORM_DATABASE with SQLite's online "
        "backup API. PATH may be a file (replaced atomically) or a folder (the copy is "
        "named leads-<UTC time>.db). The copy is readable by its owner only.",
    )
    parser.add_argument("path", type=Path, help="backup file or folder")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        source = database_path()
        target: Path = args.path
        if target.is_dir():
            target = target / backup_name(system_clock())
        snapshot = backup_database(source, target)
    except (SettingsError, StorageError, OSError) as problem:
        print(f"leadform backup: {problem}", file=sys.stderr)
        return 1
    print(
        f"backed up {snapshot.leads} leads (schema version {snapshot.schema_version}) "
        f"from {source} to {snapshot.path}"
    )
    return 0
