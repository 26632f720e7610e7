"""`leadform tokens`: API tokens for scripts (create, list, revoke)."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from typing import Any

from leadform.commands.database import fail, run_with_database
from leadform.config import Settings
from leadform.staff.api_tokens import new_token
from leadform.storage import Database
from leadform.storage.api_tokens import NewApiToken, Revoke, add_token, list_tokens, revoke_token

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")


def register(sub: Any) -> None:
    parser = sub.add_parser("tokens", help="manage API tokens for scripts")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create_parser = actions.add_parser("create", help="create a token and print it once")
    create_parser.add_argument("name", help="what uses it, e.g. crm-sync")
    create_parser.set_defaults(run=create)
    revoke_parser = actions.add_parser("revoke", help="revoke a token at once")
    revoke_parser.add_argument("name")
    revoke_parser.set_defaults(run=revoke)
    actions.add_parser("list", help="list tokens (never their secrets)").set_defaults(run=show)


def create(args: argparse.Namespace) -> int:
    if not _NAME.match(args.name):
        return fail("a token name is 1-64 letters, digits, spaces, dots, dashes or underscores", 2)
    token = new_token()

    async def work(settings: Settings, db: Database) -> int:
        new = NewApiToken(args.name, token.public_id, token.secret_hash, datetime.now(UTC))
        if not await db.writer.submit(add_token, new):
            return fail(f"there is already a token named {args.name!r}")
        print(token.token)
        print(
            "This token is shown once and only its hash is kept: store it now. "
            "Send it as Authorization: Bearer <token>.",
            file=sys.stderr,
        )
        return 0

    return run_with_database(work)


def revoke(args: argparse.Namespace) -> int:
    async def work(settings: Settings, db: Database) -> int:
        if not await db.writer.submit(revoke_token, Revoke(args.name, datetime.now(UTC))):
            return fail(f"no active token named {args.name!r}")
        print(f"revoked {args.name}")
        return 0

    return run_with_database(work)


def show(args: argparse.Namespace) -> int:
    async def work(settings: Settings, db: Database) -> int:
        for token in await list_tokens(db.reader):
            status = "revoked" if token.revoked else "active"
            created = token.created_at.astimezone(settings.timezone).isoformat(timespec="minutes")
            print(f"{token.name}\t{status}\tlf_{token.public_id}_…\tcreated {created}")
        return 0

    return run_with_database(work)
