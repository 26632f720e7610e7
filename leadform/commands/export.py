"""`leadform export`: the CSV/XLSX export, straight from the database to a file or
standard output. Recorded in the export log like any other export."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from typing import IO, Any

from tqdm import tqdm

from leadform.commands.database import fail, run_with_database
from leadform.config import Settings
from leadform.export import header_row
from leadform.i18n import load_languages
from leadform.lead_export import (
    FORMATS,
    Actor,
    ExportRequest,
    LeadExport,
    record_finish,
    record_start,
)
from leadform.lead_filters import LeadFilter, parse_cursor, parse_filter, utc_range
from leadform.storage import Database
from leadform.storage.lead_queries import ExportReader, LeadQuery


def register(sub: Any) -> None:
    parser = sub.add_parser("export", help="export leads as CSV or XLSX")
    parser.add_argument(
        "--from", dest="from_", metavar="D", help="submitted on or after YYYY-MM-DD"
    )
    parser.add_argument("--to", metavar="D", help="submitted on or before YYYY-MM-DD")
    parser.add_argument("--treatment", metavar="T", help="acne or milia")
    parser.add_argument("--locale", metavar="TAG", help="the form's language, e.g. zh-Hant-HK")
    parser.add_argument("--marketing", choices=("yes", "no"), help="marketing consent")
    parser.add_argument("--search", metavar="TEXT", help="in name, phone or email")
    parser.add_argument("--after", metavar="CURSOR", help="only leads after an earlier export")
    parser.add_argument("--format", choices=FORMATS, default="csv")
    parser.add_argument("--header", choices=("keys", "labels"), default="keys")
    parser.add_argument("--lang", default="en", help="language of --header labels")
    parser.add_argument("--no-bom", action="store_true", help="CSV without the byte-order mark")
    parser.add_argument("-o", "--output", metavar="FILE", help="default: standard output")
    parser.set_defaults(run=run)


def build_request(args: argparse.Namespace, settings: Settings) -> ExportRequest | str:
    """The export the arguments ask for, or what is wrong with them."""
    languages = load_languages(settings.locales_dir, settings.default_locale)
    params = {
        "from": args.from_ or "",
        "to": args.to or "",
        "treatment": args.treatment or "",
        "locale": args.locale or "",
        "marketing": args.marketing or "",
        "q": args.search or "",
    }
    lead_filter, errors = parse_filter(params, [lang.tag for lang in languages.all])
    if errors:
        return "check " + ", ".join(f"--{name}" for name in sorted(errors))
    after = parse_cursor(args.after or "0")
    if after is None:
        return "--after must be a cursor printed by an earlier export"
    language = languages.match(args.lang) or languages.default
    return ExportRequest(
        query=_query(lead_filter, settings),
        after_id=after,
        format=args.format,
        header=header_row(language.gettext if args.header == "labels" else None),
        zone=settings.timezone,
        bom=not args.no_bom,
    )


def _query(lead_filter: LeadFilter, settings: Settings) -> LeadQuery:
    return LeadQuery(lead_filter, utc_range(lead_filter, settings.timezone))


def run(args: argparse.Namespace) -> int:
    if args.format == "xlsx" and not args.output and sys.stdout.isatty():
        return fail("an XLSX file would garble the terminal: use -o FILE or redirect", 2)

    async def work(settings: Settings, db: Database) -> int:
        wanted = build_request(args, settings)
        if isinstance(wanted, str):
            return fail(wanted, 2)
        reader = ExportReader(settings.database, settings.busy_timeout)
        try:
            export = LeadExport(reader, wanted)
            actor = Actor("command", getpass.getuser())
            export_id = await record_start(db, actor, export, datetime.now(UTC))
            complete = False
            try:
                await asyncio.to_thread(_write, export, args.output)
                complete = True
            finally:
                await record_finish(db, export_id, export.rows, complete, datetime.now(UTC))
        finally:
            reader.close()
        # stderr, so standard output stays the file itself
        print(f"{export.rows} leads; next time use --after {export.upto_id}", file=sys.stderr)
        return 0

    return run_with_database(work)


def _write(export: LeadExport, output: str | None) -> None:
    progress = tqdm(
        total=export.count(),
        unit=" leads",
        file=sys.stderr,
        disable=not sys.stderr.isatty(),  # no bar in logs, cron mail or pipes
    )
    with progress:
        if export.request.format == "csv":
            with _open_output(output) as out:
                for data, rows in export.csv_parts():
                    out.write(data)
                    progress.update(rows)
        else:
            _write_xlsx(export, output, progress)


def _write_xlsx(export: LeadExport, output: str | None, progress: tqdm) -> None:
    if output:
        export.write_xlsx(output)
        progress.update(export.rows)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "leads.xlsx")
        export.write_xlsx(path)
        progress.update(export.rows)
        with open(path, "rb") as source:
            shutil.copyfileobj(source, sys.stdout.buffer)


class _open_output:
    """The output file (replaced only when the export finishes), or stdout."""

    def __init__(self, output: str | None) -> None:
        self._output = output
        self._partial = f"{output}.partial" if output else ""

    def __enter__(self) -> IO[bytes]:
        if not self._output:
            return sys.stdout.buffer
        self._handle = open(self._partial, "wb")
        return self._handle

    def __exit__(self, kind: object, *rest: object) -> None:
        if not self._output:
            sys.stdout.buffer.flush()
            return
        self._handle.close()
        if kind is None:
            os.replace(self._partial, self._output)
        else:
            os.unlink(self._partial)
