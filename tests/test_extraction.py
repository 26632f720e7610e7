"""The committed messages.pot is what extraction makes of the code and templates now."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_cli import run_leadform

ROOT = Path(__file__).resolve().parent.parent
_CREATION_DATE = re.compile(r'^"POT-Creation-Date: .*\\n"$', flags=re.MULTILINE)


def without_date(text: str) -> str:
    return _CREATION_DATE.sub('"POT-Creation-Date: (ignored)\\\\n"', text)


def test_committed_template_matches_a_fresh_extraction(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    # The same command, with the same options, that `make messages` runs.
    result = run_leadform("i18n", "extract", "--output", str(fresh), env={}, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    committed = (ROOT / "locales" / "messages.pot").read_text(encoding="utf-8")
    assert without_date(fresh.read_text(encoding="utf-8")) == without_date(committed), (
        "locales/messages.pot is out of date: run make messages, then translate the new strings"
    )


def test_extract_outside_the_checkout_says_where_to_run_it(tmp_path: Path) -> None:
    result = run_leadform("i18n", "extract", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "leadform: run this in the checkout, beside babel.cfg"
