"""The `leadform` command: one sub-command per module in leadform.commands."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from leadform import __version__
from leadform.commands import COMMANDS
from leadform.config import ENV_FILE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="leadform", description="Lead-capture form service.")
    parser.add_argument("--version", action="version", version=f"leadform {__version__}")
    parser.add_argument(
        "--env-file",
        metavar="PATH",
        help=f"read settings from this file (sets {ENV_FILE}; the environment's values win)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # httpx logs every request with its full URL; delivery logs its own outcome lines.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    if args.env_file:
        # Through the environment, so uvicorn's workers read the same file.
        os.environ[ENV_FILE] = os.path.abspath(args.env_file)
    try:
        code: int = args.run(args)
        sys.stdout.flush()
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`leadform config | head`): not an error worth a
        # traceback. Point stdout at nothing so the interpreter's final flush is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code
