"""`leadform erase`: delete everything held about one person, with a receipt."""

from __future__ import annotations

import argparse
import getpass
from datetime import UTC, datetime
from typing import Any

from leadform.commands.database import fail, run_with_database
from leadform.config import Settings
from leadform.domain.actors import Actor
from leadform.domain.subjects import EMAIL, PHONE, REFERENCE, Subject
from leadform.i18n.messages import Message
from leadform.privacy.erasure import erase_subject, preview_erasure
from leadform.registration.subjects import read_subject
from leadform.storage import Database
from leadform.storage.erasure import ErasurePlan
from leadform.storage.export_audit import ExportIncluding


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "erase", help="delete every lead of one person (their right to erasure)"
    )
    add_subject_options(parser, (PHONE, EMAIL, REFERENCE))
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would be deleted; change nothing"
    )
    parser.set_defaults(run=run)


def add_subject_options(parser: argparse.ArgumentParser, kinds: tuple[str, ...]) -> None:
    """One of --phone, --email (and --reference): who the request is about."""
    group = parser.add_mutually_exclusive_group(required=True)
    helps = {
        PHONE: "their phone number, as the form accepts it (9123 4567, +852 9123 4567)",
        EMAIL: "their email address",
        REFERENCE: "the reference of one of their leads (their phone finds the rest)",
    }
    for kind in kinds:
        group.add_argument(f"--{kind}", metavar=kind[0].upper(), help=helps[kind])


def subject_from(args: argparse.Namespace, kinds: tuple[str, ...]) -> Subject | str:
    """The subject the options name, or one line saying what is wrong with it."""
    kind = next(kind for kind in kinds if getattr(args, kind, None) is not None)
    found = read_subject(kind, getattr(args, kind))
    if isinstance(found, Message):
        return f"--{kind}: {found.msgid}"
    return found


def run(args: argparse.Namespace) -> int:
    subject = subject_from(args, (PHONE, EMAIL, REFERENCE))
    if isinstance(subject, str):
        return fail(subject, 2)

    async def work(settings: Settings, db: Database) -> int:
        zone = settings.timezone
        if args.dry_run:
            plan = await preview_erasure(db, settings.secret_key, subject, zone)
            print(describe_plan(plan, settings))
            return 0
        actor = Actor("command", getpass.getuser())
        now = datetime.now(UTC)
        erased = await erase_subject(db, settings.secret_key, subject, actor, now, zone)
        receipt = erased.receipt
        print(f"erased {receipt.lead_count} lead(s); receipt #{receipt.id}")
        for export in receipt.exports:
            print(describe_export(export, settings))
        if not erased.checkpointed:
            print("note: the WAL is still in use; it is emptied at the next checkpoint")
        return 0

    return run_with_database(work)


def describe_plan(plan: ErasurePlan, settings: Settings) -> str:
    zone = settings.timezone
    lines = [f"would erase {len(plan.leads)} lead(s):"]
    for lead in plan.leads:
        when = lead.created_at.astimezone(zone).isoformat(timespec="minutes")
        lines.append(f"  {lead.reference}  submitted {when}  {lead.name}  {lead.phone}")
    for earlier in plan.earlier:
        when = earlier.erased_at.astimezone(zone).isoformat(timespec="minutes")
        lines.append(f"erased before: {when} by {earlier.actor} ({earlier.lead_count} lead(s))")
    lines += [describe_export(export, settings) for export in plan.exports]
    return "\n".join(lines)


def describe_export(export: ExportIncluding, settings: Settings) -> str:
    record = export.record
    when = record.started_at.astimezone(settings.timezone).isoformat(timespec="minutes")
    return (
        f"export #{record.id} ({record.format}, {when}, {record.actor}) included "
        f"{export.lead_count} of them: destroy that file"
    )
