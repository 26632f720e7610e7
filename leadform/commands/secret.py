"""`leadform secret`: print a new value for LEADFORM_SECRET_KEY."""

from __future__ import annotations

import argparse
from typing import Any

from leadform.config import new_secret_key


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "secret",
        help="print a new random LEADFORM_SECRET_KEY",
        description="Print a new random key for LEADFORM_SECRET_KEY. Changing the key "
        "signs every staff member out and voids forms already open.",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print(new_secret_key())
    return 0
