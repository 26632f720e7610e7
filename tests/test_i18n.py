"""Catalogs, script-aware negotiation and path tags."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from leadform.i18n import Languages, load_languages, parse_accept_language

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def languages() -> Languages:
    return load_languages(ROOT / "locales", "en")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-HK,zh;q=0.9,en;q=0.8", "zh-Hant-HK"),
        ("zh-TW", "zh-Hant-HK"),
        ("zh-MO", "zh-Hant-HK"),
        ("zh-Hant", "zh-Hant-HK"),
        ("zh", "zh-Hant-HK"),
        ("en-US,en;q=0.9", "en"),
        ("en-GB", "en"),
        ("fr-FR,zh-HK;q=0.5", "zh-Hant-HK"),
        ("en;q=0.3,zh-HK;q=0.8", "zh-Hant-HK"),
        ("zh-HK;q=0,en", "en"),
        ("*", "en"),
        ("", "en"),
        ("fr", "en"),
        (";;;,,q=2", "en"),
        ("zh-HK;q=abc", "en"),
        ("\x00garbage\u00ff", "en"),
        ("x" * 5000, "en"),
    ],
)
def test_accept_language_reaches_the_language_and_script(
    languages: Languages, header: str, expected: str
) -> None:
    assert languages.negotiate(header).tag == expected


def test_q_values_order_ranges_and_ties_keep_header_order() -> None:
    assert parse_accept_language("a;q=0.5, b, c;q=0.5, d;q=1") == ["b", "d", "a", "c"]


@pytest.mark.parametrize(
    ("path_tag", "expected"),
    [
        ("zh-hant-hk", "zh-Hant-HK"),
        ("ZH-HANT-HK", "zh-Hant-HK"),
        ("zh-hk", "zh-Hant-HK"),
        ("zh-tw", "zh-Hant-HK"),
        ("zh-mo", "zh-Hant-HK"),
        ("zh-hant", "zh-Hant-HK"),
        ("en-gb", "en"),
        ("en-us", "en"),
        ("en", "en"),
    ],
)
def test_path_tags_match_a_catalog_by_language_and_script(
    languages: Languages, path_tag: str, expected: str
) -> None:
    language = languages.match(path_tag)
    assert language is not None and language.tag == expected


@pytest.mark.parametrize("path_tag", ["fr", "xx", "zh-hans", "static", "en-", "-", "*"])
def test_path_tags_without_a_catalog_match_nothing(languages: Languages, path_tag: str) -> None:
    assert languages.match(path_tag) is None


def test_languages_have_their_own_names(languages: Languages) -> None:
    assert {lang.tag: lang.native_name for lang in languages.all} == {
        "en": "English",
        "zh-Hant-HK": "繁體中文",
    }


def test_every_msgid_is_translated_in_traditional_chinese() -> None:
    path = ROOT / "locales" / "zh_Hant_HK" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_every_msgid_of_the_template_is_in_the_chinese_catalog() -> None:
    with (ROOT / "locales" / "messages.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    path = ROOT / "locales" / "zh_Hant_HK" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = {m.id for m in read_po(handle) if m.id}
    assert template <= catalog


def test_dates_are_formatted_for_the_locale(languages: Languages) -> None:
    from datetime import date

    day = date(2026, 11, 27)
    en, zh = languages.exact("en"), languages.exact("zh-hant-hk")
    assert en is not None and zh is not None
    assert (en.format_date(day), zh.format_date(day)) == ("Nov 27, 2026", "2026年11月27日")
