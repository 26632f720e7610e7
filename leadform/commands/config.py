"""`leadform config`: the settings in force, each with where it came from.

Checks them as the service would (one line on a mistake) and masks every secret, so
the output can be pasted into a support request.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from leadform.commands.database import fail
from leadform.config import (
    SECRET_FILE,
    SETTINGS,
    SettingsError,
    load_settings,
    masked,
    read_configuration,
)


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "config",
        help="print the settings in force and where each came from (secrets masked)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        configuration = read_configuration()
        settings = load_settings()
    except SettingsError as problem:
        return fail(str(problem), 2)
    shown = {
        "LEADFORM_DATABASE": str(settings.database),
        "LEADFORM_LOCALES_DIR": str(settings.locales_dir),
    }
    for setting in SETTINGS:
        name = setting.variable
        value = shown.get(name, configuration.values.get(name, setting.default or ""))
        source = configuration.source(name)
        # On PostgreSQL the key has no file: load_settings already required it set.
        if (
            name == "LEADFORM_SECRET_KEY"
            and source == "default"
            and isinstance(settings.database, Path)
        ):
            key_file = settings.database.parent / SECRET_FILE
            source = f"file {key_file}" if settings.secret_key else "unset"
            value = settings.secret_key
        print(f"{name}={masked(name, value)}\t# {source}")
    if isinstance(settings.database, Path) and not settings.database.is_file():
        print(f"# no database at {settings.database} yet (leadform serve creates it)")
    return 0
