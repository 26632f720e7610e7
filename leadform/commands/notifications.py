"""`leadform notifications status|retry`: see and nudge webhook and email delivery.

Both work beside a running service: they open the same database, and the service's
delivery task picks up what `retry` made due within its poll interval.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urlsplit

from leadform.clock import system_clock
from leadform.config import Settings, SettingsError, load_settings
from leadform.domain.notifications import WEBHOOK
from leadform.notifications.delivery import POLL_SECONDS
from leadform.notifications.status import BACKLOG_ALERT, NotificationStatus, notification_status
from leadform.storage import Database, StorageError, open_database
from leadform.storage.outbox import DeliveryProblem, Retry, RetryCounts, retry_notifications


def register(sub: Any) -> None:
    parser = sub.add_parser("notifications", help="see and retry webhook and email delivery")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    status = actions.add_parser("status", help="pending, delivered and failed per channel")
    status.set_defaults(run=run_status)
    retry = actions.add_parser("retry", help="try pending notifications again now")
    retry.add_argument(
        "--failed", action="store_true", help="also retry failed ones, with a fresh give-up time"
    )
    retry.set_defaults(run=run_retry)


def run_status(args: argparse.Namespace) -> int:
    def status(settings: Settings) -> None:
        print(format_status(asyncio.run(_status(settings)), settings.timezone))

    return _with_settings(status)


def run_retry(args: argparse.Namespace) -> int:
    counts = None

    def retry(settings: Settings) -> None:
        nonlocal counts
        counts = asyncio.run(_retry(settings, args.failed))

    code = _with_settings(retry)
    if counts is not None:
        print(format_retry(counts))
    return code


def _with_settings(action: Any) -> int:
    try:
        action(load_settings())
    except SettingsError as problem:
        print(f"leadform: {problem}", file=sys.stderr)
        return 2
    except StorageError as problem:
        where = "" if isinstance(problem, _CannotOpen) else "database: "
        print(f"leadform: {where}{problem}", file=sys.stderr)
        return 1
    return 0


class _CannotOpen(StorageError):
    """The database named by LEADFORM_DATABASE could not be opened at all."""


async def _open(settings: Settings) -> Database:
    try:
        return await open_database(settings.database, settings.busy_timeout, create=False)
    except StorageError as problem:
        raise _CannotOpen(f"LEADFORM_DATABASE: {problem}") from None


async def _status(settings: Settings) -> NotificationStatus:
    db = await _open(settings)
    try:
        return await notification_status(db, system_clock())
    finally:
        await db.close()


async def _retry(settings: Settings, include_failed: bool) -> RetryCounts:
    db = await _open(settings)
    try:
        counts: RetryCounts = await db.writer.submit(
            retry_notifications, Retry(system_clock(), include_failed)
        )
        return counts
    finally:
        await db.close()


def format_status(status: NotificationStatus, zone: tzinfo) -> str:
    """The summary as printed; times in `zone` (the clinic's) with their offset."""
    lines = [f"{'channel':<10}{'pending':>9}{'delivered':>11}{'failed':>8}"]
    for c in status.channels:
        lines.append(f"{c.channel:<10}{c.pending:>9}{c.delivered:>11}{c.failed:>8}")
    if not status.channels:
        lines.append("(no notifications yet)")
    age = status.backlog.oldest_pending_age
    if age is None:
        lines.append("oldest pending: none")
    else:
        alert = ""
        if status.backlog.backlog:
            alert = f"  BACKLOG: older than {_duration(BACKLOG_ALERT)}"
        lines.append(f"oldest pending: waiting {_duration(age)}{alert}")
    if status.problems:
        lines += ["", "recent problems (newest first):"]
        lines += [_problem_line(p, zone) for p in status.problems]
    return "\n".join(lines)


def _problem_line(p: DeliveryProblem, zone: tzinfo) -> str:
    where = urlsplit(p.target).hostname if p.channel == WEBHOOK else p.target
    when = "failed" if p.status == "failed" else f"next try {_local(p.next_attempt_at, zone)}"
    return (
        f"  {p.reference}  {p.channel} {where}: {p.last_error} "
        f"({p.attempts} attempt{'s' if p.attempts != 1 else ''}, {when})"
    )


def format_retry(counts: RetryCounts) -> str:
    lines = [f"{counts.pending_made_due} pending notification(s) due now"]
    lines.append(f"{counts.failed_requeued} failed notification(s) queued again")
    lines.append(f"a running service sends them within {POLL_SECONDS:g} seconds")
    return "\n".join(lines)


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        rest = f" {seconds % 60} s" if seconds % 60 else ""
        return f"{seconds // 60} min{rest}"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def _local(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds")
