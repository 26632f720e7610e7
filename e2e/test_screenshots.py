"""The README's screenshots: the form in each language on a phone and a desktop.

Every run writes them to test-artifacts/e2e; `make screenshots` also writes small
(palette) PNGs to docs/screenshots for the README.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page

from e2e.browser import DESKTOP, PHONE, screenshot
from e2e.conftest import OpenPage
from e2e.visitor import open_form

README_DIR = os.environ.get("LEADFORM_E2E_README_SCREENSHOTS", "")
DEVICES = {"phone": PHONE, "desktop": DESKTOP}
PALETTE_COLOURS = 256


def save_small(source: Path, target: Path) -> None:
    """A palette PNG: a flat page survives 256 colours and the file shrinks to a third."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as image:
        small = image.convert("RGB").quantize(
            PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        small.save(target, optimize=True)


@pytest.mark.parametrize("device", list(DEVICES))
def test_readme_screenshot(open_page: OpenPage, lang: str, device: str) -> None:
    page: Page = open_page(lang, viewport=DEVICES[device])
    open_form(page, lang, "?treatment=acne")
    path = screenshot(page, f"readme-{lang}-{device}")
    if README_DIR:
        save_small(path, Path(README_DIR) / f"form-{lang}-{device}.png")
