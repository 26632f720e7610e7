"""`leadform i18n check [--stats]` and `leadform i18n extract`: the translators' tools.

`check` reads every catalog under LEADFORM_LOCALES_DIR, prints `file:line: "msgid":
problem` for each problem found by `leadform.i18n.catalogs`, and exits 1 when there is any.
`extract` writes messages.pot with the one set of extraction options that `make
messages` and the template freshness test also use.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from babel.messages.frontend import CommandLineInterface

from leadform.config import SettingsError, load_locales_dir
from leadform.i18n.catalogs import DOMAIN, Coverage, PoFile, Problem, check_catalog, coverage
from leadform.i18n.languages import TEMPLATE, CatalogError, display_path, read_po_file

# The one definition of how strings are extracted (babel.cfg holds the per-file-type
# settings, which must match leadform/web/templating.py).
EXTRACT_ARGS: tuple[str, ...] = (
    "--mapping-file=babel.cfg",
    "--add-location=file",
    "--sort-by-file",
    "--width=76",
    "--project=leadform",
    "--copyright-holder=leadform",
    "--msgid-bugs-address=",
    "--header-comment=# Translations template for leadform: "
    "run 'make messages' after changing strings.",
)


def register(sub: Any) -> None:
    parser = sub.add_parser("i18n", help="check catalogs, extract strings")
    commands = parser.add_subparsers(dest="i18n_command", required=True, metavar="COMMAND")
    check = commands.add_parser(
        "check", help="report catalog problems as file:line; exit 1 when there is any"
    )
    check.add_argument("--stats", action="store_true", help="also print each language's coverage")
    check.set_defaults(run=run_check)
    extract = commands.add_parser(
        "extract", help="extract strings from code and templates into messages.pot"
    )
    extract.add_argument(
        "--output", type=Path, help="where to write (default: locales/messages.pot)"
    )
    extract.set_defaults(run=run_extract)


def run_check(args: argparse.Namespace) -> int:
    try:
        locales_dir = load_locales_dir()
    except SettingsError as problem:
        print(f"leadform: {problem}", file=sys.stderr)
        return 2
    if not locales_dir.is_dir():
        print(f"leadform: LEADFORM_LOCALES_DIR: {locales_dir} is not a folder", file=sys.stderr)
        return 2
    problems, stats = check_locales(locales_dir)
    if args.stats:
        print_stats(stats)
    for found in problems:
        print(found)
    summary = f"{len(problems)} problem(s)" if problems else "no problems"
    print(
        f"{summary} in {len(stats)} catalog(s) under {display_path(locales_dir)}", file=sys.stderr
    )
    return 1 if problems else 0


def check_locales(locales_dir: Path) -> tuple[list[Problem], dict[str, Coverage]]:
    """Problems of the template and of every catalog, and each catalog's coverage."""
    template_path = locales_dir / TEMPLATE
    template: PoFile | None = None
    problems: list[Problem] = []
    if template_path.is_file():
        template = read(template_path, problems)
        problems += template.problems if template else ()
    else:
        problems.append(Problem(display_path(template_path), 1, None, "missing: run make messages"))
    stats: dict[str, Coverage] = {}
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        locale_id = po_path.parent.parent.name
        po = read(po_path, problems)
        if po is None:
            continue
        problems += check_catalog(po, locale_id, template)
        stats[locale_id] = coverage(po, template)
    return problems, stats


def read(path: Path, problems: list[Problem]) -> PoFile | None:
    try:
        return read_po_file(path)
    except CatalogError as error:
        problems.append(Problem(display_path(path), 1, None, str(error).split(": ", 1)[-1], True))
        return None


def print_stats(stats: dict[str, Coverage]) -> None:
    for locale_id, numbers in stats.items():
        print(
            f"{locale_id}: {numbers.translated} translated, {numbers.fuzzy} fuzzy, "
            f"{numbers.untranslated} untranslated of {numbers.total} "
            f"({numbers.percent:.0f}% translated)"
        )


def run_extract(args: argparse.Namespace) -> int:
    if not Path("babel.cfg").is_file():
        print("leadform: run this in the checkout, beside babel.cfg", file=sys.stderr)
        return 2
    output = args.output or load_locales_dir() / TEMPLATE
    argv = ["pybabel", "--quiet", "extract", *EXTRACT_ARGS, f"--output-file={output}", "."]
    return int(CommandLineInterface().run(argv) or 0)  # type: ignore[no-untyped-call]
