"""`leadform backup` and `leadform restore`: copies that hold every committed lead."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from leadform.application import create_app
from leadform.cli import main
from leadform.config import Settings
from tests.conftest import FakeClock
from tests.test_http_form import VALID, fresh_token

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_file]


async def submit_leads(settings: Settings, clock: FakeClock, count: int) -> list[str]:
    """Store `count` leads through the app; return their thank-you URLs."""
    app = create_app(settings, clock=clock)
    urls = []
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for _ in range(count):
                token = await fresh_token(client, clock)
                response = await client.post("/en/register", data=VALID | {"token": token})
                assert response.status_code == 303
                urls.append(response.headers["location"])
    return urls


def count_leads(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM leads").fetchone()[0])


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Path:
    monkeypatch.setenv("LEADFORM_DATABASE", str(settings.database))
    return settings.database


async def test_backup_copies_every_lead_into_an_owner_only_file(
    settings: Settings, clock: FakeClock, use_database: Path, tmp_path: Path
) -> None:
    await submit_leads(settings, clock, 3)
    target = tmp_path / "copy.db"
    assert main(["backup", str(target)]) == 0
    assert count_leads(target) == 3
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


async def test_backup_into_a_folder_names_the_copy_by_time(
    settings: Settings, clock: FakeClock, use_database: Path, tmp_path: Path
) -> None:
    await submit_leads(settings, clock, 1)
    folder = tmp_path / "backups"
    folder.mkdir()
    assert main(["backup", str(folder)]) == 0
    [copy] = folder.iterdir()
    assert copy.name.startswith("leads-") and copy.suffix == ".db"
    assert count_leads(copy) == 1


async def test_backup_over_an_existing_file_is_refused_and_keeps_it(
    settings: Settings,
    clock: FakeClock,
    use_database: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await submit_leads(settings, clock, 1)
    target = tmp_path / "copy.db"
    target.write_bytes(b"an older backup")
    assert main(["backup", str(target)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"leadform backup: {target} exists: give a folder or a new name, or --replace"
    )
    assert target.read_bytes() == b"an older backup"


async def test_backup_with_replace_overwrites_an_existing_file(
    settings: Settings, clock: FakeClock, use_database: Path, tmp_path: Path
) -> None:
    await submit_leads(settings, clock, 2)
    target = tmp_path / "copy.db"
    target.write_bytes(b"an older backup")
    assert main(["backup", "--replace", str(target)]) == 0
    assert count_leads(target) == 2


def test_backup_without_a_database_fails_with_one_line(
    use_database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backup", str(tmp_path / "copy.db")]) == 1
    assert capsys.readouterr().err.strip() == f"leadform backup: no database at {use_database}"
    assert not (tmp_path / "copy.db").exists()


async def test_backup_while_leads_are_written_is_a_consistent_snapshot(
    settings: Settings, clock: FakeClock, use_database: Path, tmp_path: Path
) -> None:
    await submit_leads(settings, clock, 1)
    stop = threading.Event()

    def keep_writing() -> None:
        with sqlite3.connect(use_database, isolation_level=None, timeout=5) as conn:
            row = conn.execute("SELECT * FROM leads").fetchone()
            n = 0
            while not stop.is_set():
                n += 1
                conn.execute("BEGIN IMMEDIATE")
                copy = [*row]
                copy[0], copy[1], copy[2] = None, f"R{n:07d}", f"load-{n}"
                conn.execute(f"INSERT INTO leads VALUES ({','.join('?' * len(copy))})", copy)
                conn.execute("COMMIT")

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        for i in range(3):
            assert main(["backup", str(tmp_path / f"copy{i}.db")]) == 0
    finally:
        stop.set()
        writer.join()
    counts = [count_leads(tmp_path / f"copy{i}.db") for i in range(3)]
    assert counts == sorted(counts) and counts[0] >= 1
    assert count_leads(use_database) >= counts[-1]


async def test_restored_backup_serves_its_leads_after_start(
    settings: Settings, clock: FakeClock, use_database: Path, tmp_path: Path
) -> None:
    urls = await submit_leads(settings, clock, 2)
    assert main(["backup", str(tmp_path / "copy.db")]) == 0
    await submit_leads(settings, clock, 1)  # a lead taken after the backup
    assert main(["restore", str(tmp_path / "copy.db")]) == 0
    assert count_leads(use_database) == 2
    [kept] = use_database.parent.glob("leads.db.before-restore-*")
    assert count_leads(kept) == 3

    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            pages = [await client.get(url) for url in urls]
    assert [page.status_code for page in pages] == [200, 200]


def test_restore_into_an_empty_place_creates_the_database(
    use_database: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "copy.db"
    with sqlite3.connect(backup) as conn:
        conn.execute("CREATE TABLE leads (id INTEGER PRIMARY KEY)")
        conn.execute("INSERT INTO leads DEFAULT VALUES")
    assert main(["restore", str(backup)]) == 0
    assert count_leads(use_database) == 1


async def test_restore_over_a_damaged_database_keeps_its_bytes(
    settings: Settings, clock: FakeClock, use_database: Path, tmp_path: Path
) -> None:
    await submit_leads(settings, clock, 1)
    assert main(["backup", str(tmp_path / "copy.db")]) == 0
    for leftover in use_database.parent.glob("leads.db-*"):
        leftover.unlink()
    use_database.write_bytes(b"damaged" * 1000)
    assert main(["restore", str(tmp_path / "copy.db")]) == 0
    assert count_leads(use_database) == 1
    [kept] = use_database.parent.glob("leads.db.before-restore-*")
    assert kept.read_bytes() == b"damaged" * 1000
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"not a database at all" * 100, "is not a leadform database"),
        (None, "newer than this leadform knows"),
    ],
)
def test_restore_refuses_a_file_it_cannot_run_and_keeps_the_database(
    use_database: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    problem: str,
) -> None:
    backup = tmp_path / "bad.db"
    if content is None:
        with sqlite3.connect(backup) as conn:
            conn.execute("CREATE TABLE leads (id INTEGER PRIMARY KEY)")
            conn.execute("PRAGMA user_version = 999")
    else:
        backup.write_bytes(content)
    use_database.parent.mkdir(parents=True, exist_ok=True)
    use_database.write_bytes(b"")
    assert main(["restore", str(backup)]) == 1
    assert problem in capsys.readouterr().err
    assert use_database.read_bytes() == b""
