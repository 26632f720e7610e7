"""`leadform staff`, `leadform tokens` and `leadform export` as a person runs them."""

from __future__ import annotations

import csv
import fcntl
import io
import os
import pty
import sqlite3
import struct
import subprocess
import sys
import termios
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import ROOT
from tests.factories import PASSWORD, ensure_schema, insert_leads, lead


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    ensure_schema(tmp_path / "leads.db")  # commands refuse to create a database
    return {
        "LEADFORM_DATABASE": str(tmp_path / "leads.db"),
        "LEADFORM_SECRET_KEY": "cli-test-secret-" + "c" * 32,
        "LEADFORM_LOCALES_DIR": str(ROOT / "locales"),
    }


def leadform(
    env: dict[str, str], *args: str, stdin: str = "", **kw: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leadform", *args],
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kw,  # type: ignore[arg-type]
    )


def database(env: dict[str, str]) -> Path:
    return Path(env["LEADFORM_DATABASE"])


def test_an_administrator_is_added_and_accounts_are_promoted_and_demoted(
    env: dict[str, str],
) -> None:
    added = leadform(
        env, "staff", "add", "--admin", "dpo@example.com", "--password-stdin", stdin=PASSWORD
    )
    assert added.stdout == "added administrator account dpo@example.com\n"
    leadform(env, "staff", "add", "sales@example.com", "--password-stdin", stdin=PASSWORD)
    listing = leadform(env, "staff", "list").stdout
    assert "dpo@example.com\tactive\tadministrator" in listing
    assert "sales@example.com\tactive\tstaff" in listing
    promoted = leadform(env, "staff", "promote", "Sales@example.com")
    assert promoted.stdout == "sales@example.com is now an administrator\n"
    assert "sales@example.com\tactive\tadministrator" in leadform(env, "staff", "list").stdout
    assert leadform(env, "staff", "demote", "dpo@example.com").returncode == 0
    assert "dpo@example.com\tactive\tstaff" in leadform(env, "staff", "list").stdout


def test_promoting_an_unknown_account_says_so(env: dict[str, str]) -> None:
    ensure_schema(database(env))
    result = leadform(env, "staff", "promote", "nobody@example.com")
    assert (result.returncode, result.stderr) == (
        1,
        "leadform: no account for nobody@example.com\n",
    )


def test_staff_accounts_are_added_listed_disabled_and_enabled(env: dict[str, str]) -> None:
    added = leadform(
        env, "staff", "add", "Sales@Example.com", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout == "added staff account sales@example.com\n"
    assert PASSWORD not in added.stdout + added.stderr
    with sqlite3.connect(database(env)) as conn:
        (stored,) = conn.execute("SELECT password_hash FROM staff").fetchone()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert "sales@example.com\tactive\tstaff" in leadform(env, "staff", "list").stdout
    assert leadform(env, "staff", "disable", "sales@example.com").returncode == 0
    assert "sales@example.com\tdisabled" in leadform(env, "staff", "list").stdout
    assert leadform(env, "staff", "enable", "sales@example.com").returncode == 0
    assert "sales@example.com\tactive" in leadform(env, "staff", "list").stdout


def test_adding_an_account_twice_or_a_short_password_fails(env: dict[str, str]) -> None:
    leadform(env, "staff", "add", "a@example.com", "--password-stdin", stdin=PASSWORD)
    again = leadform(env, "staff", "add", "A@example.com", "--password-stdin", stdin=PASSWORD)
    assert again.returncode == 1 and "already an account" in again.stderr
    short = leadform(env, "staff", "add", "b@example.com", "--password-stdin", stdin="short")
    assert short.returncode == 2 and "at least 12 characters" in short.stderr


def test_changing_a_password_replaces_the_hash(env: dict[str, str]) -> None:
    leadform(env, "staff", "add", "a@example.com", "--password-stdin", stdin=PASSWORD)
    with sqlite3.connect(database(env)) as conn:
        before = conn.execute("SELECT password_hash FROM staff").fetchone()[0]
    changed = leadform(
        env, "staff", "password", "a@example.com", "--password-stdin", stdin="another long password"
    )
    assert changed.returncode == 0, changed.stderr
    with sqlite3.connect(database(env)) as conn:
        assert conn.execute("SELECT password_hash FROM staff").fetchone()[0] != before
    missing = leadform(
        env, "staff", "password", "x@example.com", "--password-stdin", stdin=PASSWORD
    )
    assert missing.returncode == 1


def test_tokens_are_shown_once_and_stored_only_as_hashes(env: dict[str, str]) -> None:
    created = leadform(env, "tokens", "create", "crm-sync")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("lf_") and "shown once" in created.stderr
    with sqlite3.connect(database(env)) as conn:
        row = conn.execute("SELECT public_id, secret_hash FROM api_tokens").fetchone()
    secret = token.split("_", 2)[2]  # the secret itself may contain "_"
    assert secret not in "".join(row)
    listing = leadform(env, "tokens", "list").stdout
    assert "crm-sync\tactive" in listing and token not in listing
    assert leadform(env, "tokens", "revoke", "crm-sync").returncode == 0
    assert "crm-sync\trevoked" in leadform(env, "tokens", "list").stdout
    assert leadform(env, "tokens", "revoke", "crm-sync").returncode == 1


def test_export_writes_the_same_csv_to_stdout_and_records_it(env: dict[str, str]) -> None:
    ensure_schema(database(env))
    insert_leads(database(env), [lead(name="陳大文"), lead(name="=1+1", treatment="milia")])
    result = leadform(env, "export", "--treatment", "acne")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("\ufeffreference,")
    rows = list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"), newline="")))
    assert [row[2] for row in rows[1:]] == ["陳大文"]
    assert "next time use --after" in result.stderr
    assert "\r" not in result.stderr  # no progress bar when stderr is not a terminal
    with sqlite3.connect(database(env)) as conn:
        kind, fmt, count = conn.execute(
            "SELECT actor_kind, format, row_count FROM exports"
        ).fetchone()
    assert (kind, fmt, count) == ("command", "csv", 1)


def test_export_after_a_cursor_and_to_an_xlsx_file(env: dict[str, str], tmp_path: Path) -> None:
    ensure_schema(database(env))
    first = insert_leads(database(env), [lead(), lead()])
    insert_leads(database(env), [lead(reference="NEWONE")])
    target = tmp_path / "new.xlsx"
    result = leadform(
        env, "export", "--after", str(first[-1]), "--format", "xlsx", "-o", str(target)
    )
    assert result.returncode == 0, result.stderr
    sheet = openpyxl.load_workbook(target).active
    assert sheet is not None
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["NEWONE"]


@pytest.mark.parametrize(
    ("arguments", "line"),
    [
        (
            ["--from", "2026-13-01"],
            "--from 2026-13-01: there is no such date. Enter a real date as YYYY-MM-DD.",
        ),
        (["--from", "yesterday"], "--from yesterday: enter a date as YYYY-MM-DD."),
        (["--to", "0001-01-01"], "--to 0001-01-01: enter a year from 1900 to 9000."),
        (
            ["--from", "2026-11-02", "--to", "2026-11-01"],
            "--to 2026-11-01: the end date must not be before the start date.",
        ),
        (["--treatment", "botox"], "--treatment botox: choose one of acne, milia"),
        (["--locale", "fr"], "--locale fr: choose one of en, zh-Hans-CN, zh-Hant-HK"),
        (["--after", "soon"], "--after must be a cursor printed by an earlier export"),
    ],
)
def test_export_says_what_is_wrong_with_an_argument_in_one_line(
    env: dict[str, str], arguments: list[str], line: str
) -> None:
    ensure_schema(database(env))
    result = leadform(env, "export", *arguments)
    assert result.returncode == 2
    assert result.stderr == f"leadform: {line}\n"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_to_a_missing_folder_is_one_line_and_nothing_recorded(
    env: dict[str, str], tmp_path: Path, fmt: str
) -> None:
    ensure_schema(database(env))
    target = tmp_path / "missing" / f"x.{fmt}"
    result = leadform(env, "export", "--format", fmt, "-o", str(target))
    assert result.returncode == 2
    assert result.stderr == (
        f"leadform: cannot write {target}: the folder {target.parent} does not exist\n"
    )
    with sqlite3.connect(database(env)) as conn:
        assert conn.execute("SELECT count(*) FROM exports").fetchone()[0] == 0


def test_export_to_a_folder_asks_for_a_file_name(env: dict[str, str], tmp_path: Path) -> None:
    ensure_schema(database(env))
    result = leadform(env, "export", "-o", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == f"leadform: cannot write {tmp_path}: it is a folder; give a file name\n"


def test_export_to_a_file_leaves_no_partial_file(env: dict[str, str], tmp_path: Path) -> None:
    ensure_schema(database(env))
    insert_leads(database(env), [lead(reference="FILE1")])
    result = leadform(env, "export", "-o", str(tmp_path / "leads.csv"))
    assert result.returncode == 0, result.stderr
    assert not list(tmp_path.glob("*.partial"))
    assert {path.name for path in tmp_path.iterdir()} >= {"leads.csv", "leads.db"}
    assert "FILE1" in (tmp_path / "leads.csv").read_text(encoding="utf-8-sig")


def test_export_over_an_existing_file_is_refused_and_keeps_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    ensure_schema(database(env))
    insert_leads(database(env), [lead()])
    target = tmp_path / "leads.csv"
    target.write_text("yesterday's export")
    result = leadform(env, "export", "-o", str(target))
    assert result.returncode == 2
    assert result.stderr == (
        f"leadform: {target} exists: give a new name, or --replace to overwrite it\n"
    )
    assert target.read_text() == "yesterday's export"


def test_export_with_replace_overwrites_an_existing_file(
    env: dict[str, str], tmp_path: Path
) -> None:
    ensure_schema(database(env))
    insert_leads(database(env), [lead(reference="AGAIN1")])
    target = tmp_path / "leads.csv"
    target.write_text("yesterday's export")
    result = leadform(env, "export", "--replace", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert "AGAIN1" in target.read_text(encoding="utf-8-sig")


def test_export_shows_a_progress_bar_when_stderr_is_a_terminal(
    env: dict[str, str], tmp_path: Path
) -> None:
    ensure_schema(database(env))
    insert_leads(database(env), [lead() for _ in range(30)])
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        process = subprocess.run(
            [sys.executable, "-m", "leadform", "export", "-o", str(tmp_path / "out.csv")],
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=terminal,
            timeout=60,
            check=False,
        )
        os.close(terminal)
        output = b""
        while True:
            try:
                data = os.read(controller, 4096)
            except OSError:
                break
            if not data:
                break
            output += data
    finally:
        os.close(controller)
    assert process.returncode == 0
    assert b"100%" in output and b"30/30" in output


@pytest.mark.parametrize("action", ["add", "password"])
def test_asking_for_a_password_without_a_terminal_says_use_password_stdin(
    env: dict[str, str], action: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "leadform", "staff", action, "amy@clinic.example"],
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "leadform: no terminal to ask for the password: use --password-stdin"
    ]
