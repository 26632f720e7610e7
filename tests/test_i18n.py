"""Catalogs, script-aware negotiation and path tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadform.i18n.languages import Languages, load_languages, parse_accept_language

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
        ("zh-CN", "zh-Hans-CN"),
        ("zh-SG", "zh-Hans-CN"),
        ("zh-Hans", "zh-Hans-CN"),
        ("zh-Hans-SG", "zh-Hans-CN"),
        ("zh-cn,zh;q=0.9,en;q=0.8", "zh-Hans-CN"),
        ("zh-Hant-TW", "zh-Hant-HK"),
        ("zh;q=0.9,zh-CN;q=0.8", "zh-Hant-HK"),
        ("en;q=0.5,zh-CN", "zh-Hans-CN"),
        ("zh-US", "zh-Hant-HK"),
        ("ja-JP,zh-SG;q=0.4", "zh-Hans-CN"),
        ("zh-CN;q=0.x,en", "en"),
        ("en-XA", "en"),
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
        ("zh-hans-cn", "zh-Hans-CN"),
        ("zh_Hans_CN", "zh-Hans-CN"),
        ("zh-cn", "zh-Hans-CN"),
        ("zh-sg", "zh-Hans-CN"),
        ("zh-hans", "zh-Hans-CN"),
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


@pytest.mark.parametrize("path_tag", ["fr", "xx", "ja", "static", "en-", "-", "*"])
def test_path_tags_without_a_catalog_match_nothing(languages: Languages, path_tag: str) -> None:
    assert languages.match(path_tag) is None


def test_languages_have_their_own_names(languages: Languages) -> None:
    assert {lang.tag: lang.native_name for lang in languages.all} == {
        "en": "English",
        "zh-Hans-CN": "简体中文",
        "zh-Hant-HK": "繁體中文",
    }


def test_dates_are_formatted_for_the_locale(languages: Languages) -> None:
    from datetime import date

    day = date(2026, 11, 27)
    formatted = {lang.tag: lang.format_date(day) for lang in languages.all}
    assert formatted == {
        "en": "Nov 27, 2026",
        "zh-Hans-CN": "2026年11月27日",
        "zh-Hant-HK": "2026年11月27日",
    }


def test_times_spell_out_the_month_and_use_a_24_hour_clock(languages: Languages) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 11, 26, 13, 34, tzinfo=UTC)
    zone = ZoneInfo("Asia/Hong_Kong")
    formatted = {lang.tag: lang.format_datetime(moment, zone) for lang in languages.all}
    assert formatted == {
        "en": "Nov 26, 2026, 21:34",
        "zh-Hans-CN": "2026年11月26日 21:34",
        "zh-Hant-HK": "2026年11月26日 21:34",
    }


def test_message_parameters_that_are_messages_are_translated(languages: Languages) -> None:
    from leadform.i18n.messages import Message

    treatment = Message("Treatment: %(treatment)s", {"treatment": Message("Milia")})
    chinese = languages.match("zh-Hant-HK")
    assert chinese is not None
    assert chinese.translate(treatment) == "療程：脂肪粒"
    assert languages.default.translate(treatment) == "Treatment: Milia"


def test_lists_are_joined_in_the_languages_own_words(languages: Languages) -> None:
    chinese = languages.match("zh-Hant-HK")
    assert chinese is not None
    assert chinese.join(["療程：脂肪粒", "搜尋：「陳」"]) == "療程：脂肪粒及搜尋：「陳」"
    assert languages.default.join(["Treatment: Milia", "Search: “陳”"]) == (
        "Treatment: Milia and Search: “陳”"
    )


def test_a_catalog_for_the_source_language_is_refused(tmp_path: Path) -> None:
    from leadform.i18n.languages import CatalogError

    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="two catalogs for en "):
        load_languages(tmp_path, "en")
