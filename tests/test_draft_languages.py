"""A language goes live only when translated enough (LEADFORM_MIN_TRANSLATED): below it
a catalog is a draft, not negotiated nor listed, but previewable at its URL."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po, write_po

from leadform.config import Settings
from tests.conftest import ROOT, FakeClock, serve

pytestmark = pytest.mark.anyio


def new_catalog(locales: Path, locale: str) -> Path:
    """What `make new-language` writes: the template's msgids, none translated."""
    with (locales / "messages.pot").open("rb") as template:
        catalog = read_po(template, locale=locale)
    path = locales / locale / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    with path.open("wb") as out:
        write_po(out, catalog, width=76)
    return path


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    """The checkout's catalogs plus an untranslated Japanese one."""
    folder = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", folder)
    new_catalog(folder, "ja")
    return folder


def html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', page)
    assert match
    return match.group(1)


async def test_draft_language_is_not_negotiated(
    settings: Settings, clock: FakeClock, locales: Path
) -> None:
    async with serve(replace(settings, locales_dir=locales), clock) as client:
        response = await client.get("/", headers={"Accept-Language": "ja, zh-HK;q=0.5"})
    assert response.headers["location"] == "/zh-hant-hk/register"


async def test_draft_language_is_not_listed(
    settings: Settings, clock: FakeClock, locales: Path
) -> None:
    async with serve(replace(settings, locales_dir=locales), clock) as client:
        page = await client.get("/en/register")
        form = await client.get("/api/form")
    assert "/ja/register" not in page.text and 'hreflang="ja"' not in page.text
    assert "ja" not in form.json()["languages"]


async def test_draft_language_is_previewed_with_a_notice_in_the_lang_it_shows(
    settings: Settings, clock: FakeClock, locales: Path
) -> None:
    async with serve(replace(settings, locales_dir=locales), clock) as client:
        page = await client.get("/ja/register")
    assert page.status_code == 200
    assert "Draft translation, 0% translated" in page.text
    assert html_lang(page.text) == "en"  # untranslated: the English fallback is shown
    assert page.headers["content-language"] == "en"


async def test_language_at_the_threshold_is_live(
    settings: Settings, clock: FakeClock, locales: Path
) -> None:
    async with serve(replace(settings, locales_dir=locales, min_translated=0), clock) as client:
        response = await client.get("/", headers={"Accept-Language": "ja"})
        page = await client.get("/ja/register")
    assert response.headers["location"] == "/ja/register"
    assert "Draft translation" not in page.text and html_lang(page.text) == "ja"


async def test_translated_languages_are_live_at_the_default_threshold(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/zh-hant-hk/register")
    assert "Draft translation" not in page.text and html_lang(page.text) == "zh-Hant-HK"
    assert 'hreflang="zh-Hans-CN"' in page.text


def make_new_language(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    # STAMP: this folder's own, so make never reinstalls the shared venv from here.
    stamp = f"STAMP={folder / 'installed'}"
    return subprocess.run(
        ["make", "-s", "new-language", f"VENV={ROOT / '.venv'}", stamp, *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The Makefile and template in a folder of their own, to write catalogs into."""
    folder = tmp_path / "checkout"
    (folder / "locales").mkdir(parents=True)
    for name in ("Makefile", "pyproject.toml", "locales/messages.pot"):
        shutil.copy2(ROOT / name, folder / name)
    (folder / "installed").touch()  # newer than pyproject.toml: nothing to install
    return folder


def test_new_language_refuses_to_replace_a_catalog(checkout: Path) -> None:
    catalog = new_catalog(checkout / "locales", "ja")
    catalog.write_text(catalog.read_text() + "# a translator's work\n")
    before = catalog.read_text()
    result = make_new_language(checkout, "LANG=ja")
    assert result.returncode != 0
    assert "locales/ja/LC_MESSAGES/messages.po exists" in result.stderr
    assert "FORCE=1" in result.stderr
    assert catalog.read_text() == before


def test_new_language_replaces_a_catalog_when_forced(checkout: Path) -> None:
    catalog = new_catalog(checkout / "locales", "ja")
    catalog.write_text(catalog.read_text() + "# a translator's work\n")
    result = make_new_language(checkout, "LANG=ja", "FORCE=1")
    assert result.returncode == 0, result.stderr
    assert "a translator's work" not in catalog.read_text()


def test_new_language_creates_a_new_catalog(checkout: Path) -> None:
    result = make_new_language(checkout, "LANG=vi")
    assert result.returncode == 0, result.stderr
    assert (checkout / "locales/vi/LC_MESSAGES/messages.po").is_file()
