"""Small databases as each schema version left them, kept as SQL in
tests/fixtures/schema/vN.sql, for the upgrade test (tests/test_upgrade.py).

When a migration is added, keep the database of the version before it:

    .venv/bin/python -m tests.schema_fixtures N    # N = the version it upgrades from

It is the schema of migrations 1..N with one lead, as that version wrote it.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from leadform.storage.database import migrations, split_statements

FOLDER = Path(__file__).resolve().parent / "fixtures" / "schema"
TOKEN_ID = "fixture-token-0001"
REFERENCE = "FIX00001"


def build(version: int) -> str:
    conn = sqlite3.connect(":memory:")
    for migration in migrations()[:version]:
        for statement in split_statements(migration.sql):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute(
        "INSERT INTO consent_wordings VALUES ('h1', 'en', 'I agree to the terms.', "
        "'2026-01-05T02:00:00+00:00')"
    )
    conn.execute(
        "INSERT INTO leads (reference, token_id, created_at, locale, name, phone, email, "
        "treatment, preferred_date, consent_terms_at, consent_marketing, "
        "consent_wording_hash, ip, user_agent) VALUES (?, ?, '2026-01-05T02:00:00+00:00', "
        "'zh-Hant-HK', '陳大文', '+85291234567', 'chan@example.com', 'acne', '2026-01-10', "
        "'2026-01-05T02:00:00+00:00', 0, 'h1', '203.0.113.9', 'fixture')",
        (REFERENCE, TOKEN_ID),
    )
    conn.commit()
    dump = "\n".join(conn.iterdump())
    return f"-- leadform schema version {version}: python -m tests.schema_fixtures {version}\n" + (
        f"PRAGMA user_version = {version};\n{dump}\n"
    )


def main(versions: list[str]) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for version in map(int, versions):
        (FOLDER / f"v{version}.sql").write_text(build(version), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
