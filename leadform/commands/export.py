"""`leadform export`: the CSV/XLSX export, straight from the database to a file or
standard output. Recorded in the export log like any other export."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from leadform.commands.database import fail, run_with_database
from leadform.config import Settings
from leadform.domain.actors import Actor
from leadform.domain.cursors import parse_cursor
from leadform.domain.lead_filters import (
    FILTER_PARAMS,
    parse_filter,
)
from leadform.domain.leads import TREATMENTS
from leadform.export.formats import header_row
from leadform.export.job import (
    FORMATS,
    ExportRequest,
    LeadExport,
    record_finish,
    record_start,
)
from leadform.i18n.languages import SOURCE_LOCALE, load_languages
from leadform.storage import Database
from leadform.storage.lead_queries import lead_query
from leadform.storage.private_files import open_private

_OPTIONS = {
    "from": "--from",
    "to": "--to",
    "treatment": "--treatment",
    "locale": "--locale",
    "marketing": "--marketing",
    "q": "--search",
}


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
    parser.add_argument(
        "--replace", action="store_true", help="overwrite FILE when it exists already"
    )
    parser.set_defaults(run=run)


def build_request(args: argparse.Namespace, settings: Settings) -> ExportRequest | str:
    """The export the arguments ask for, or what is wrong with them (one line)."""
    languages = load_languages(settings.locales_dir, settings.default_locale)
    params = {
        "from": args.from_ or "",
        "to": args.to or "",
        "treatment": args.treatment or "",
        "locale": args.locale or "",
        "marketing": args.marketing or "",
        "q": args.search or "",
    }
    tags = languages.tags
    lead_filter, errors = parse_filter(params, tags)
    if errors:
        english = languages.match(SOURCE_LOCALE) or languages.default
        return "; ".join(
            _argument_problem(name, params[name], english.translate(errors[name]), tags)
            for name in FILTER_PARAMS
            if name in errors
        )
    after = parse_cursor(args.after or "0")
    if after is None:
        return "--after must be a cursor printed by an earlier export"
    language = languages.match(args.lang) or languages.default
    return ExportRequest(
        query=lead_query(lead_filter, settings.timezone),
        after_id=after,
        format=args.format,
        header=header_row(language.gettext if args.header == "labels" else None),
        zone=settings.timezone,
        bom=not args.no_bom,
        links=settings.opt_out_links,
    )


def _argument_problem(name: str, value: str, problem: str, tags: Sequence[str]) -> str:
    """`--from 2026-13-01: there is no such date. Enter a real date as YYYY-MM-DD.`"""
    option = _OPTIONS[name]
    if name == "treatment":
        problem = "choose one of " + ", ".join(TREATMENTS)
    elif name == "locale":
        problem = "choose one of " + ", ".join(tags)
    else:
        problem = problem[:1].lower() + problem[1:]
    return f"{option} {shlex.quote(value)}: {problem}"


def run(args: argparse.Namespace) -> int:
    if args.format == "xlsx" and not args.output and sys.stdout.isatty():
        return fail("an XLSX file would garble the terminal: use -o FILE or redirect", 2)

    async def work(settings: Settings, db: Database) -> int:
        wanted = build_request(args, settings)
        if isinstance(wanted, str):
            return fail(wanted, 2)
        if args.output and not args.replace and os.path.isfile(args.output):
            # an earlier export is somebody's work: never lost without being asked
            return fail(f"{args.output} exists: give a new name, or --replace to overwrite it", 2)
        try:
            output = Output(args.output)
        except OSError as problem:
            return fail(cannot_write(args.output, problem), 2)
        try:
            rows, cursor = await _export(settings, db, wanted, output)
            output.finish()
        except OSError as problem:  # the disk filled up, the file system went away
            return fail(cannot_write(args.output or "standard output", problem))
        finally:
            output.abandon()
        # stderr, so standard output stays the file itself
        print(f"{rows} leads; next time use --after {cursor}", file=sys.stderr)
        return 0

    return run_with_database(work)


async def _export(
    settings: Settings, db: Database, wanted: ExportRequest, output: Output
) -> tuple[int, int]:
    """Write the export to `output`, recorded in the export log; (rows, cursor)."""
    reader = await db.export_reader()
    try:
        # in a worker thread, like the writing: the reader blocks
        export = await asyncio.to_thread(LeadExport, reader, wanted)
        actor = Actor("command", getpass.getuser())
        export_id = await record_start(db, actor, export, datetime.now(UTC))
        complete = False
        try:
            await asyncio.to_thread(_write, export, output)
            complete = True
        finally:
            await record_finish(db, export_id, export.rows, complete, datetime.now(UTC))
    finally:
        reader.close()
    return export.rows, export.upto_id


def cannot_write(path: str, problem: OSError) -> str:
    """One line a person can act on, not a traceback."""
    if isinstance(problem, FileNotFoundError):
        folder = os.path.dirname(os.path.abspath(path))
        return f"cannot write {path}: the folder {folder} does not exist"
    if isinstance(problem, IsADirectoryError):
        return f"cannot write {path}: it is a folder; give a file name"
    return f"cannot write {path}: {problem.strerror or problem}"


def _write(export: LeadExport, output: Output) -> None:
    progress = tqdm(
        total=export.count(),
        unit=" leads",
        file=sys.stderr,
        disable=not sys.stderr.isatty(),  # no bar in logs, cron mail or pipes
    )
    with progress:
        if export.request.format == "csv":
            for data, rows in export.csv_parts():
                output.stream.write(data)
                progress.update(rows)
        else:
            _write_xlsx(export, output, progress)


def _write_xlsx(export: LeadExport, output: Output, progress: tqdm) -> None:
    if output.path:
        export.write_xlsx(output.stream)
        progress.update(export.rows)
        return
    # A zip's directory comes last: build it in a file, then copy it to stdout.
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "leads.xlsx")
        export.write_xlsx(path)
        progress.update(export.rows)
        with open(path, "rb") as source:
            shutil.copyfileobj(source, output.stream)


class Output:
    """Where the export goes: standard output, or FILE written as FILE.partial and
    renamed only when the export is complete, so a failed one leaves no half file.
    Opening it first means a path that cannot be written fails before any work."""

    def __init__(self, path: str | None) -> None:
        self.path = path or ""
        self._partial = f"{path}.partial" if path else ""
        if path and os.path.isdir(path):
            raise IsADirectoryError(path)
        self.stream: IO[bytes] = (
            os.fdopen(open_private(Path(self._partial), os.O_WRONLY | os.O_TRUNC), "wb")
            if path
            else sys.stdout.buffer
        )
        self._done = False

    def finish(self) -> None:
        if not self.path:
            self.stream.flush()
            return
        self.stream.close()
        os.replace(self._partial, self.path)
        self._done = True

    def abandon(self) -> None:
        """After `finish`, nothing; otherwise remove the partial file."""
        if self._done or not self.path:
            return
        self.stream.close()
        with contextlib.suppress(OSError):
            os.unlink(self._partial)
