"""`leadform serve --reload` shows a translator's .po edit without a restart by hand."""

from __future__ import annotations

import os
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.servers import start_server, stop

ROOT = Path(__file__).resolve().parent.parent
PO = Path("locales/zh_Hans_CN/LC_MESSAGES/messages.po")
WAIT = 90.0  # a bound on waiting for the reloader, not a speed assertion


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError):
        return None


def wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    return tmp_path


@pytest.fixture
def server(checkout: Path) -> Iterator[tuple[str, Path]]:
    server = start_server(
        checkout, "--reload", wait=False, LEADFORM_LOCALES_DIR=str(checkout / "locales")
    )
    try:
        yield server.url("/zh-hans-cn/register"), server.log
    finally:
        stop(server.process)  # the reloader and its worker stop together


def edit(checkout: Path, old: str, new: str) -> None:
    path = checkout / PO
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def msgid_line(path: Path, msgid_line: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines.index(msgid_line) + 1


@pytest.mark.slow
@pytest.mark.skipif(
    "faketime" in os.environ.get("LD_PRELOAD", ""),
    reason="watchfiles sees no file change under libfaketime (make test-clock)",
)
def test_editing_a_msgstr_shows_on_the_page_and_a_broken_edit_is_one_line(
    checkout: Path, server: tuple[str, Path]
) -> None:
    url, log = server
    assert wait_for(lambda: "1分钟自助登记" in (fetch(url) or "")), log.read_text()

    edit(checkout, 'msgstr "1分钟自助登记"', 'msgstr "1分钟快速登记"')
    assert wait_for(lambda: "1分钟快速登记" in (fetch(url) or "")), log.read_text()

    edit(checkout, "%(latest)s 之间", "%(lastest)s 之间")
    line = msgid_line(checkout / PO, 'msgid "Choose a day from %(earliest)s to %(latest)s."')
    refusal = (
        f'leadform: {PO}:{line}: "Choose a day from %(earliest)s to %(latest)s.": '
        "unknown named placeholder 'lastest'"
    )
    assert wait_for(lambda: refusal in log.read_text()), log.read_text()
    assert "Traceback" not in log.read_text()

    edit(checkout, "%(lastest)s 之间", "%(latest)s 之间")
    assert wait_for(lambda: "1分钟快速登记" in (fetch(url) or "")), log.read_text()
