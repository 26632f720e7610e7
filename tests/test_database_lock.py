"""Nothing replaces the database under a running service: restore needs the database
to itself, and a service whose file was replaced anyway stops saying "ok"."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest

from leadform.storage import StorageError, open_database
from leadform.storage.backup import restore_database
from leadform.storage.file_lock import DatabaseInUse
from tests.servers import bookable_day, lead_form, new_token, running_server
from tests.test_env_file import leadform

pytestmark = pytest.mark.anyio


def copy_of(database: Path, target: Path) -> Path:
    with sqlite3.connect(database) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return target


def test_restore_refuses_while_the_service_has_the_database_open(tmp_path: Path) -> None:
    with running_server(tmp_path, "--workers=2") as server:
        backup = copy_of(server.database, tmp_path / "backup.db")
        inode = server.database.stat().st_ino
        result = leadform(
            "restore", str(backup), env={"LEADFORM_DATABASE": str(server.database)}, cwd=tmp_path
        )
        assert result.returncode == 1
        [line] = result.stderr.strip().splitlines()
        assert "is open in another process" in line and "stop it first" in line
        assert server.database.stat().st_ino == inode
        assert not list(tmp_path.glob("leads.db.before-restore-*"))
    restored = leadform(
        "restore", str(backup), env={"LEADFORM_DATABASE": str(server.database)}, cwd=tmp_path
    )
    assert restored.returncode == 0, restored.stderr


async def test_restore_refuses_while_a_command_has_the_database_open(tmp_path: Path) -> None:
    database = tmp_path / "leads.db"
    db = await open_database(database)
    backup = copy_of(database, tmp_path / "backup.db")
    try:
        with pytest.raises(DatabaseInUse, match="is open in another process"):
            restore_database(backup, database, keep_as=None)
    finally:
        await db.close()
    assert restore_database(backup, database, keep_as=None).leads == 0


async def test_a_command_refuses_to_open_a_missing_database_naming_it(tmp_path: Path) -> None:
    database = tmp_path / "nowhere" / "leads.db"
    with pytest.raises(StorageError, match=f"no database at {database}"):
        await open_database(database, create=False)
    assert not database.exists()


def test_service_whose_database_file_was_replaced_is_no_longer_ok(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        assert httpx.get(server.url("/healthz")).status_code == 200
        replacement = copy_of(server.database, tmp_path / "other.db")
        shutil.move(replacement, server.database)  # what `cp backup.db leads.db` amounts to
        health = httpx.get(server.url("/healthz"))
        assert (health.status_code, health.json()["status"]) == (503, "unavailable")
        day = bookable_day(server.base_url)
        answer = httpx.post(server.url("/en/register"), data=lead_form(new_token(), day))
        assert answer.status_code == 503
        assert "was replaced or removed while open" in server.log.read_text()
