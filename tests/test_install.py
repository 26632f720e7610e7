"""A real install: the wheel built from the checkout, installed into a fresh venv in a
folder of its own, serves the form in every language and stores a lead."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.servers import BODY, SECRET, bookable_day, free_port, spawn, stop, wait_ready

pytestmark = pytest.mark.slow


def run(*command: str | Path, cwd: Path) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The venv's bin folder, with leadform installed from a freshly built wheel."""
    folder = tmp_path_factory.mktemp("install")
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "-w",
        folder / "dist",
        ROOT,
        cwd=folder,
    )
    [wheel] = (folder / "dist").glob("leadform-*.whl")
    run(sys.executable, "-m", "venv", folder / "venv", cwd=folder)
    run(folder / "venv/bin/pip", "install", "-q", wheel, cwd=folder)
    return folder / "venv/bin"


def test_installed_leadform_runs_from_its_own_folder(installed: Path) -> None:
    where = run(
        installed / "python", "-c", "import leadform; print(leadform.__file__)", cwd=installed
    )
    assert where.startswith(str(installed.parent)) and str(ROOT) not in where
    assert run(installed / "leadform", "--version", cwd=installed).startswith("leadform ")


def test_installed_leadform_serves_every_language_and_stores_a_lead(
    installed: Path, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LEADFORM_DATABASE": str(tmp_path / "data" / "leads.db"),
        "LEADFORM_SECRET_KEY": SECRET,
        "LEADFORM_MIN_FILL_SECONDS": "0",
        "LEADFORM_RATE_LIMIT": "0",
    }  # no LEADFORM_LOCALES_DIR: the catalogs come with the package
    command = [str(installed / "leadform"), "serve", "--host=127.0.0.1", f"--port={port}"]
    process = spawn(command, env, tmp_path / "server.log", cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{base}/healthz", process, tmp_path / "server.log")
        chinese = httpx.get(f"{base}/zh-hant-hk/register")
        assert chinese.status_code == 200 and "免費體驗" in chinese.text
        page = httpx.get(f"{base}/en/register")
        match = re.search(r'name="token" value="([^"]+)"', page.text)
        assert match
        form = BODY | {"token": match.group(1), "preferred_date": bookable_day(base)}
        stored = httpx.post(f"{base}/en/register", data=form)
        assert stored.status_code == 303
        assert httpx.get(base + stored.headers["location"]).status_code == 200
    finally:
        stop(process)
