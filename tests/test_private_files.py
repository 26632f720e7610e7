"""Files holding leads are the service's alone (0600, folders 0700), whatever the umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadform.storage import open_database
from tests.conftest import ROOT
from tests.factories import ensure_schema, insert_leads, lead

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_file]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask-022", "umask-000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


async def test_live_database_and_its_wal_are_owner_only(tmp_path: Path, umask: int) -> None:
    database = tmp_path / "data" / "leads.db"
    db = await open_database(database)
    try:
        insert_leads(database, [lead()])
        files = [database, database.with_name("leads.db-wal"), database.with_name("leads.db-shm")]
        assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
        assert mode(database.parent) == 0o700
    finally:
        await db.close()


async def test_a_database_readable_by_others_is_made_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "leads.db"
    database.touch()
    database.chmod(0o644)
    db = await open_database(database)
    await db.close()
    assert mode(database) == 0o600


def test_export_file_is_owner_only(tmp_path: Path, umask: int) -> None:
    database = tmp_path / "leads.db"
    ensure_schema(database)
    insert_leads(database, [lead()])
    out = tmp_path / "leads.csv"
    out.write_text("an older file, world-readable")
    out.chmod(0o644)
    environment = {
        **os.environ,
        "LEADFORM_DATABASE": str(database),
        "LEADFORM_LOCALES_DIR": str(ROOT / "locales"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "leadform", "export", "--replace", "-o", str(out)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert mode(out) == 0o600
