"""`leadform database copy SOURCE TARGET`: move a clinic between SQLite and PostgreSQL.

SOURCE and TARGET are what LEADFORM_DATABASE takes: a file path or a postgresql://
URL. Every table is copied with its ids, so references, consent wordings, staff
accounts, API tokens and pending notifications come along; a target holding any row
is refused. Stop the service first: leads arriving during the copy would be left out.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from leadform.config import SettingsError, database_path
from leadform.storage import StorageError, open_database
from leadform.storage.copy import copy_database


def register(sub: Any) -> None:
    parser = sub.add_parser("database", help="database maintenance (copy between engines)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    copy = actions.add_parser(
        "copy",
        help="copy every table into an empty database (SQLite <-> PostgreSQL)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    copy.add_argument("source", help="a SQLite file or a postgresql:// URL")
    copy.add_argument("target", help="an empty (or new) SQLite file or PostgreSQL database")
    copy.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        source = database_path({"LEADFORM_DATABASE": args.source})
        target = database_path({"LEADFORM_DATABASE": args.target})
    except SettingsError as problem:
        reason = str(problem).removeprefix(f"{problem.variable}: ")
        print(f"leadform database copy: {reason}", file=sys.stderr)
        return 2
    if str(source) == str(target):
        print("leadform database copy: SOURCE and TARGET are the same", file=sys.stderr)
        return 2

    async def main() -> dict[str, int]:
        source_db = await open_database(source)
        try:
            target_db = await open_database(target)
            try:
                return await copy_database(source_db, target_db)
            finally:
                await target_db.close()
        finally:
            await source_db.close()

    try:
        copied = asyncio.run(main())
    except StorageError as problem:
        print(f"leadform database copy: {problem}", file=sys.stderr)
        return 1
    summary = ", ".join(f"{count} {table}" for table, count in copied.items() if count)
    print(f"copied {summary or 'nothing (the source is empty)'} from {source} to {target}")
    return 0
