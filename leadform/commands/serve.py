"""`leadform serve`: run the service under uvicorn."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import uvicorn
from starlette.applications import Starlette

from leadform.application import create_app
from leadform.config import SettingsError, load_settings
from leadform.i18n.languages import CatalogError, load_languages
from leadform.notifications.targets import staff_language
from leadform.storage import StorageError, check_database
from leadform.web.log_format import log_config
from leadform.web.metrics import multiprocess_folder


def register(sub: Any) -> None:
    parser = sub.add_parser("serve", help="start the web service")
    parser.add_argument("--host", help="bind address (default: LEADFORM_HOST)")
    parser.add_argument("--port", type=int, help="port (default: LEADFORM_PORT)")
    parser.add_argument("--reload", action="store_true", help="restart on code or .po changes")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Check settings and catalogs here, so a mistake is one line, not a traceback
    # from every worker.
    try:
        settings = load_settings(create_secret=True)
        languages = load_languages(
            settings.locales_dir,
            settings.default_locale,
            pseudo=settings.pseudo_locale,
            min_translated=settings.min_translated,
        )
        staff_language(languages, settings)
    except (SettingsError, CatalogError) as problem:
        print(f"leadform: {problem}", file=sys.stderr)
        return 2
    try:
        check_database(settings.database)
    except StorageError as problem:
        print(f"leadform: LEADFORM_DATABASE: {problem}", file=sys.stderr)
        return 2
    package_dir = str(__import__("leadform").__path__[0])
    workers = args.workers if not args.reload else None
    with multiprocess_folder(workers):
        uvicorn.run(
            "leadform.commands.serve:served_app",
            factory=True,
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=workers,
            reload=args.reload,
            reload_dirs=[package_dir, str(settings.locales_dir)] if args.reload else None,
            reload_includes=["*.py", "*.po", "*.pot", "*.html", "*.css", "*.js"]
            if args.reload
            else None,
            loop="uvloop",
            http="httptools",
            access_log=False,  # the service logs requests itself, without personal data
            proxy_headers=False,
            log_level=settings.log_level.lower(),
            log_config=log_config(settings.log_format, settings.log_level),
        )
    return 0


def served_app() -> Starlette:
    """The app for uvicorn's workers. A catalog broken while `--reload` watches is one
    line naming file:line, not a traceback; the reloader restarts once it is fixed."""
    try:
        return create_app()
    except (SettingsError, CatalogError) as problem:
        print(f"leadform: {problem}", file=sys.stderr)
        raise SystemExit(2) from None
