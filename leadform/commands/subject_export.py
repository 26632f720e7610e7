"""`leadform subject-export`: answer an access request with one JSON document and one
readable page in the person's language, both readable by the service's user alone."""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leadform.commands.database import fail, run_with_database
from leadform.commands.erase import add_subject_options, subject_from
from leadform.config import Settings
from leadform.domain.leads import ATTRIBUTION_FIELDS, TREATMENTS, Lead
from leadform.domain.subjects import EMAIL, PHONE
from leadform.i18n.languages import load_languages
from leadform.notifications.status import CHANNEL_LABELS, STATUS_LABELS
from leadform.privacy.subject_access import access_document, person_language
from leadform.storage import Database
from leadform.storage.subject_access import HeldLead, held_about
from leadform.web.templating import create_environment

KINDS = (PHONE, EMAIL)


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "subject-export", help="everything held about one person (their access request)"
    )
    add_subject_options(parser, KINDS)
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="the JSON file (default subject-access-<time>.json here); the page is "
        "written beside it as .html",
    )
    parser.set_defaults(run=run)


def output_paths(given: str | None, now: datetime) -> tuple[Path, Path]:
    json_path = Path(given or f"subject-access-{now:%Y%m%d-%H%M%S}.json")
    return json_path, json_path.with_suffix(".html")


def run(args: argparse.Namespace) -> int:
    subject = subject_from(args, KINDS)
    if isinstance(subject, str):
        return fail(subject, 2)
    now = datetime.now(UTC)
    paths = output_paths(args.output, now)
    for path in paths:
        if path.exists():
            return fail(f"{path} exists already; give another file name with -o")

    async def work(settings: Settings, db: Database) -> int:
        held = await held_about(db.reader, subject, settings.timezone)
        document = access_document(held, now, settings.timezone)
        page = render_page(settings, held, now)
        try:
            write_private(paths[0], json.dumps(document, ensure_ascii=False, indent=2) + "\n")
            write_private(paths[1], page)
        except OSError as problem:
            return fail(f"cannot write {problem.filename}: {problem.strerror}")
        print(f"{len(held)} lead(s): wrote {paths[0]} and {paths[1]}")
        return 0

    return run_with_database(work)


def render_page(settings: Settings, held: list[HeldLead], now: datetime) -> str:
    languages = load_languages(settings.locales_dir, settings.default_locale)
    tag = person_language(held, settings.default_locale)
    language = languages.match(tag) or languages.match(settings.default_locale)
    env = create_environment()
    return env.get_template("subject_access.html").render(
        lang=language,
        zone=settings.timezone,
        held=held,
        generated_at=now,
        treatments=TREATMENTS,
        channel_labels=CHANNEL_LABELS,
        status_labels=STATUS_LABELS,
        attribution=_attribution,
    )


def _attribution(lead: Lead) -> list[tuple[str, str]]:
    values = ((name, getattr(lead.attribution, name)) for name in ATTRIBUTION_FIELDS)
    return [(name, value) for name, value in values if value]


def write_private(path: Path, text: str) -> None:
    """Created with mode 0600 (the person's data: the service's user alone reads it),
    never over an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
