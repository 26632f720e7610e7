"""`leadform restore BACKUP`: put a backup back as the live database.

Run it with the service stopped. The database being replaced is kept beside it
(`<database>.before-restore-<UTC time>`), so a restore can itself be undone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from leadform.clock import system_clock
from leadform.config import SettingsError, database_path
from leadform.storage import StorageError
from leadform.storage.backup import kept_name, restore_database


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "restore",
        help="replace the database with a backup (stop the service first)",
        description="Check BACKUP (integrity, schema version), keep the current "
        "LEADFORM_DATABASE as <database>.before-restore-<UTC time>, then copy BACKUP "
        "into place. Stop the service first and start it again afterwards.",
    )
    parser.add_argument("backup", type=Path, help="a file written by leadform backup")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        target = database_path()
        kept = kept_name(target, system_clock())
        snapshot = restore_database(args.backup, target, keep_as=kept)
    except (SettingsError, StorageError, OSError) as problem:
        print(f"leadform restore: {problem}", file=sys.stderr)
        return 1
    print(f"restored {snapshot.leads} leads from {args.backup} into {target}")
    if kept.exists():
        print(f"the database it replaced is kept as {kept}")
    return 0
