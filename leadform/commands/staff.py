"""`leadform staff`: add, list, disable, enable, promote and demote staff accounts and
set passwords."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from leadform.commands.database import fail, run_with_database
from leadform.config import Settings
from leadform.staff.auth import normalise_email
from leadform.staff.passwords import PasswordRejected, check_new_password, hash_password
from leadform.storage import Database
from leadform.storage.staff import (
    Disable,
    NewStaff,
    PasswordChange,
    RoleChange,
    add_staff,
    change_password,
    list_staff,
    set_admin,
    set_disabled,
)
from leadform.storage.writer import BatchWrite


def register(sub: Any) -> None:
    parser = sub.add_parser("staff", help="manage staff accounts")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, help_text, run in (
        ("add", "add an account (asks for the password twice)", add),
        ("password", "set a new password (ends the account's sessions)", password),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("email")
        action.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        action.set_defaults(run=run)
        if name == "add":
            action.add_argument(
                "--admin", action="store_true", help="an administrator (may erase a person's data)"
            )
    for name, help_text, run in (
        ("disable", "stop an account signing in (ends its sessions at once)", disable),
        ("enable", "let a disabled account sign in again", enable),
        ("promote", "make an account an administrator (may erase a person's data)", promote),
        ("demote", "make an administrator ordinary staff (read and export only)", demote),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("email")
        action.set_defaults(run=run)
    actions.add_parser("list", help="list accounts").set_defaults(run=show)


def now() -> datetime:
    return datetime.now(UTC)


def read_password(from_stdin: bool) -> str:
    """The new password, checked against the rules; PasswordRejected otherwise."""
    if from_stdin:
        return check_new_password(sys.stdin.readline().rstrip("\r\n"))
    if not sys.stdin.isatty():
        raise NoTerminal
    first = getpass.getpass("New password: ")
    check_new_password(first)
    if getpass.getpass("Repeat the password: ") != first:
        raise PasswordRejected("the two passwords differ")
    return first


class NoTerminal(Exception):
    """The password would be asked for, but standard input is no terminal."""


NO_TERMINAL = "no terminal to ask for the password: use --password-stdin"


def valid_email(value: str) -> str | None:
    try:
        return normalise_email(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


def add(args: argparse.Namespace) -> int:
    email = valid_email(args.email)
    if email is None:
        return fail(f"not an email address: {args.email}", 2)
    try:
        password_hash = hash_password(read_password(args.password_stdin))
    except PasswordRejected as problem:
        return fail(f"password {problem}", 2)
    except NoTerminal:
        return fail(NO_TERMINAL, 2)

    async def work(settings: Settings, db: Database) -> int:
        new = NewStaff(email, password_hash, now(), admin=args.admin)
        added = await db.writer.submit(add_staff, new)
        if not added:
            return fail(f"there is already an account for {email}")
        print(f"added {'administrator' if args.admin else 'staff'} account {email}")
        return 0

    return run_with_database(work)


def password(args: argparse.Namespace) -> int:
    email = normalise_email(args.email)
    try:
        password_hash = hash_password(read_password(args.password_stdin))
    except PasswordRejected as problem:
        return fail(f"password {problem}", 2)
    except NoTerminal:
        return fail(NO_TERMINAL, 2)

    async def work(settings: Settings, db: Database) -> int:
        changed = await db.writer.submit(
            change_password, PasswordChange(email, password_hash, now())
        )
        if not changed:
            return fail(f"no account for {email}")
        print(f"password changed for {email}; its sessions have ended")
        return 0

    return run_with_database(work)


def _change_account(email: str, write: BatchWrite, item: object, done: str) -> int:
    """Run one account change; print `done`, or say there is no such account."""

    async def work(settings: Settings, db: Database) -> int:
        if not await db.writer.submit(write, item):
            return fail(f"no account for {email}")
        print(done)
        return 0

    return run_with_database(work)


def disable(args: argparse.Namespace) -> int:
    email = normalise_email(args.email)
    return _change_account(email, set_disabled, Disable(email, now()), f"disabled {email}")


def enable(args: argparse.Namespace) -> int:
    email = normalise_email(args.email)
    return _change_account(email, set_disabled, Disable(email, None), f"enabled {email}")


def promote(args: argparse.Namespace) -> int:
    email = normalise_email(args.email)
    done = f"{email} is now an administrator"
    return _change_account(email, set_admin, RoleChange(email, True), done)


def demote(args: argparse.Namespace) -> int:
    email = normalise_email(args.email)
    done = f"{email} is now ordinary staff"
    return _change_account(email, set_admin, RoleChange(email, False), done)


def show(args: argparse.Namespace) -> int:
    async def work(settings: Settings, db: Database) -> int:
        for member in await list_staff(db.reader):
            status = "disabled" if member.disabled else "active"
            role = "administrator" if member.admin else "staff"
            created = member.created_at.astimezone(settings.timezone).isoformat(timespec="minutes")
            print(f"{member.email}\t{status}\t{role}\tadded {created}")
        return 0

    return run_with_database(work)
