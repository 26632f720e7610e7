"""Writers in several processes take turns on a kernel lock beside the database."""

from __future__ import annotations

import asyncio
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from leadform.storage import open_database
from leadform.storage.write_lock import WriteLock, write_lock_path
from tests.test_storage import new_lead

pytestmark = pytest.mark.anyio

# Takes the lock, says so, and holds it until its stdin closes.
HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def hold_in_another_process(path: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


async def test_the_lock_file_lies_beside_the_database_readable_by_the_service_alone(
    tmp_path: Path,
) -> None:
    db = await open_database(tmp_path / "leads.db")
    await db.close()
    lock = tmp_path / "leads.db-writer.lock"
    assert write_lock_path(tmp_path / "leads.db") == lock
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600


async def test_a_second_holder_enters_only_when_the_first_leaves(tmp_path: Path) -> None:
    first, second = WriteLock(tmp_path / "lock"), WriteLock(tmp_path / "lock")
    order: list[str] = []

    async def take(lock: WriteLock, name: str, pause: float) -> None:
        async with lock.held():
            order.append(f"{name} in")
            await asyncio.sleep(pause)
            order.append(f"{name} out")

    one = asyncio.create_task(take(first, "first", 0.2))
    await asyncio.sleep(0.05)
    await take(second, "second", 0)
    await one
    first.close()
    second.close()
    assert order == ["first in", "first out", "second in", "second out"]


async def test_a_lead_waits_for_another_process_writer_then_is_stored(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "leads.db")
    holder = hold_in_another_process(write_lock_path(tmp_path / "leads.db"))
    try:
        saving = asyncio.create_task(db.save_lead(new_lead("token-1")))
        await asyncio.sleep(0.3)
        assert not saving.done()  # waiting on the other process, not failing
        holder.communicate("")  # the other process lets go (and exits)
        stored = await asyncio.wait_for(saving, 10)
        assert await db.find_lead_by_token("token-1") == stored
    finally:
        holder.kill()
        await db.close()


async def test_a_cancelled_wait_does_not_leave_the_lock_taken(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    holder = hold_in_another_process(path)
    waiter = WriteLock(path)

    async def wait_for_it() -> None:
        async with waiter.held():
            pass

    waiting = asyncio.create_task(wait_for_it())
    await asyncio.sleep(0.1)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    holder.communicate("")
    after = WriteLock(path)
    await asyncio.wait_for(after.held().__aenter__(), 10)  # free again: taken at once
    after.close()
    waiter.close()
