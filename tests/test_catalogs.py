"""The rules of leadform.i18n.catalogs, entry by entry: what breaks a page and what does not."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog, Message

from leadform.i18n.catalogs import entry_problems

NAMED = "Your name must be %(max)s characters or fewer."
LINKS = (
    'I agree to the <a href="%(terms_url)s" target="_blank">Terms</a> and '
    '<a href="%(privacy_url)s">Privacy Policy</a>.'
)


def problems(
    msgid: str | tuple[str, str],
    msgstr: str | tuple[str, ...],
    where: str = "leadform/registration/rules.py",
    locale: str = "zh_Hant_HK",
) -> list[str]:
    catalog = Catalog(locale=locale)
    message = Message(msgid, msgstr, locations=[(where, None)], lineno=7)
    return [problem.text for problem in entry_problems("x.po", catalog, message)]


@pytest.mark.parametrize(
    ("msgid", "msgstr", "expected"),
    [
        (NAMED, "姓名不可多於 %(max)s 個字元。", []),
        (NAMED, "姓名不可多於 %(maxi)s 個字元。", ["unknown named placeholder 'maxi'"]),
        (NAMED, "姓名太長。", ["placeholder %(max)s of the msgid is missing"]),
        (
            "%(count)d leads",
            "%(count)s 個",
            ["incompatible format for placeholder 'count': 's' and 'd' are not compatible"],
        ),
        ("%s and %s", "%s", ["positional format placeholders are unbalanced"]),
        (
            NAMED,
            "姓名不可多於 %(max)s 個字元 (100%)。",
            ["a lone % sign breaks the page: write %% for a percent sign"],
        ),
        (NAMED, "姓名不可多於 %(max)s 個字元，100%% 保密。", []),
        ("Hello {name}", "你好 {name}", []),
        ("Hello {name}", "{name}，你好", []),
        (
            "Hello {name}",
            "你好 {nombre}",
            ["placeholders differ: missing {name}; not in the msgid {nombre}"],
        ),
        ("Hello {name}", "你好 {name", ["unbalanced { or }: write {{ or }} for a brace"]),
        ("Hello", "你好 {name}", []),  # braces are text where the msgid has no {name}
    ],
)
def test_placeholders(msgid: str, msgstr: str, expected: list[str]) -> None:
    assert problems(msgid, msgstr) == expected


@pytest.mark.parametrize(
    ("msgid", "msgstr", "where", "expected"),
    [
        # Jinja2's newstyle gettext formats every template string, even without values.
        (
            "Free trial",
            "100% 免費",
            "leadform/templates/register.html",
            ["a lone % sign breaks the page: write %% for a percent sign"],
        ),
        ("Free trial", "100%% 免費", "leadform/templates/register.html", []),
        (
            "Free trial",
            "%(x)s 免費",
            "leadform/templates/register.html",
            ["placeholder %(x)s is not in the msgid"],
        ),
        # Python code formats a string only when its msgid has placeholders.
        ("Free trial", "100% 免費", "leadform/views/errors.py", []),
    ],
)
def test_a_percent_sign_breaks_only_strings_that_are_formatted(
    msgid: str, msgstr: str, where: str, expected: list[str]
) -> None:
    assert problems(msgid, msgstr, where) == expected


@pytest.mark.parametrize(
    ("msgstr", "expected"),
    [
        (
            '本人同意<a href="%(terms_url)s" target="_blank">條款</a>及'
            '<a href="%(privacy_url)s">私隱政策</a>。',
            [],
        ),
        (  # links in another order, attributes spaced differently: same markup
            '本人同意<a href="%(privacy_url)s">私隱政策</a>及<a  href="%(terms_url)s"\n'
            'target="_blank">條款</a>。',
            [],
        ),
        (
            '本人同意<a href="%(terms_url)s" target="_blank">條款</a>及私隱政策。',
            [
                "placeholder %(privacy_url)s of the msgid is missing",
                'markup differs: missing </a>, <a href="%(privacy_url)s">',
            ],
        ),
        (
            '本人同意<a href="%(terms_url)s" target="_self">條款</a>及'
            '<a href="%(privacy_url)s">私隱政策</a>。',
            [
                'markup differs: missing <a href="%(terms_url)s" target="_blank">; '
                'not in the msgid <a href="%(terms_url)s" target="_self">'
            ],
        ),
        (
            '本人同意<鏈接 href="%(terms_url)s">條款</鏈接>。',
            [
                "placeholder %(privacy_url)s of the msgid is missing",
                "markup differs: missing </a>, </a>, "
                '<a href="%(privacy_url)s">, <a href="%(terms_url)s" target="_blank">',
            ],
        ),
    ],
)
def test_markup(msgstr: str, expected: list[str]) -> None:
    assert problems(LINKS, msgstr) == expected


def test_markup_added_where_the_msgid_has_none_is_a_problem() -> None:
    assert problems("Name", "<script>alert(1)</script>姓名") == [
        "markup differs: not in the msgid </script>, <script>"
    ]


@pytest.mark.parametrize(
    ("msgstr", "expected"),
    [
        ("", ["untranslated"]),
        ("暗瘡", []),
    ],
)
def test_untranslated(msgstr: str, expected: list[str]) -> None:
    assert problems("Acne", msgstr) == expected


def test_a_fuzzy_entry_is_reported_as_fuzzy_only() -> None:
    catalog = Catalog(locale="zh_Hant_HK")
    message = Message(NAMED, "姓名太長", flags=["fuzzy"], lineno=3)
    assert [str(p) for p in entry_problems("x.po", catalog, message)] == [
        f'x.po:3: "{NAMED}": fuzzy: review the translation, then remove the flag'
    ]


@pytest.mark.parametrize(
    ("msgstr", "locale", "expected"),
    [
        (("%(num)d 個",), "zh_Hant_HK", []),
        (("個",), "zh_Hant_HK", ["placeholder %(num)d of the msgid is missing"]),
        (("ein Lead", "%(num)d Leads"), "de", []),
        (("ein Lead", ""), "de", ["untranslated"]),
        (("ein Lead", "%(nun)d Leads"), "de", ["unknown named placeholder 'nun'"]),
        (
            ("%(num)d Lead",),
            "de",
            ["Wrong number of plural forms (expected 2)"],
        ),
    ],
)
def test_plural_entries(msgstr: tuple[str, ...], locale: str, expected: list[str]) -> None:
    assert problems(("%(num)d lead", "%(num)d leads"), msgstr, locale=locale) == expected
