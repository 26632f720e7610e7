"""`leadform backup PATH`: a consistent copy of the live database, safe under load."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from leadform.clock import system_clock
from leadform.config import POSTGRES_BACKUPS, PostgresUrl, SettingsError, database_path
from leadform.storage import StorageError
from leadform.storage.backup import backup_database, backup_name


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "backup",
        help="copy the live database (safe while the service runs)",
        description="Write a consistent copy of LEADFORM_DATABASE with SQLite's online "
        "backup API. PATH may be a new file (an existing one only with --replace) or a "
        "folder (the copy is named leads-<UTC time>.db). The copy is readable by its owner "
        "only.",
    )
    parser.add_argument("path", type=Path, help="backup file or folder")
    parser.add_argument(
        "--replace", action="store_true", help="overwrite PATH when it is a file already"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        source = database_path()
        if isinstance(source, PostgresUrl):
            raise SettingsError("LEADFORM_DATABASE", POSTGRES_BACKUPS)
        target: Path = args.path
        if target.is_dir():
            target = target / backup_name(system_clock())
        if target.is_file() and not args.replace:
            # an earlier backup may be the only copy of something: never lost unasked
            raise FileExistsError(f"{target} exists: give a folder or a new name, or --replace")
        snapshot = backup_database(source, target)
    except (SettingsError, StorageError, OSError) as problem:
        print(f"leadform backup: {problem}", file=sys.stderr)
        return 1
    print(
        f"backed up {snapshot.leads} leads (schema version {snapshot.schema_version}) "
        f"from {source} to {snapshot.path}"
    )
    return 0
