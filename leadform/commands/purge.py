"""`leadform purge`: delete leads older than LEADFORM_RETENTION_DAYS now, as the
service's daily job does."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from leadform.clock import clinic_midnight
from leadform.commands.database import fail, run_with_database
from leadform.config import Settings
from leadform.privacy.retention import cutoff_day, purge
from leadform.storage import Database
from leadform.storage.retention import count_before


def register(sub: Any) -> None:
    parser = sub.add_parser("purge", help="delete leads older than LEADFORM_RETENTION_DAYS")
    parser.add_argument(
        "--dry-run", action="store_true", help="count what would be deleted; change nothing"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    async def work(settings: Settings, db: Database) -> int:
        days, zone = settings.retention_days, settings.timezone
        if not days:
            return fail("LEADFORM_RETENTION_DAYS is 0 (keep everything): nothing is purged")
        now = datetime.now(UTC)
        day = cutoff_day(now, zone, days)
        if args.dry_run:
            counted = await count_before(db.reader, clinic_midnight(day, zone))
            print(
                f"would delete {counted.leads} lead(s) submitted before {day.isoformat()} "
                f"with {counted.notifications} notification(s) and "
                f"{counted.rate_hits} rate-limit row(s)"
            )
            return 0
        purged = await purge(db, now, zone, days, "command")
        removed = purged.removed
        print(
            f"deleted {removed.leads} lead(s) submitted before {purged.cutoff_day.isoformat()} "
            f"with {removed.notifications} notification(s), {removed.rate_hits} rate-limit "
            f"row(s) and {removed.consent_wordings} unused consent wording(s)"
        )
        return 0

    return run_with_database(work)
