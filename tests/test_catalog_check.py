"""`leadform i18n check` on seeded broken catalogs: each problem class, at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadform.cli import main
from leadform.commands.i18n import check_locales
from leadform.i18n.catalogs import Coverage, check_catalog, coverage, parse_po
from leadform.i18n.languages import CatalogError, load_languages

ROOT = Path(__file__).resolve().parent.parent

TEMPLATE = r"""# Translations template.
#, fuzzy
msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\n"

#: leadform/registration/rules.py
msgid "Enter your name."
msgstr ""

#: leadform/templates/register.html
msgid "Free trial"
msgstr ""

#: leadform/registration/rules.py
#, python-format
msgid "Your name must be %(max)s characters or fewer."
msgstr ""

#: leadform/registration/rules.py
#, python-format
msgid "Date should not be before %(date)s."
msgstr ""

#: leadform/registration/rules.py
msgid "Hello {name}"
msgstr ""

#: leadform/registration/rules.py
#, python-format
msgid "%(num)d lead"
msgid_plural "%(num)d leads"
msgstr[0] ""
msgstr[1] ""

#: leadform/registration/consent.py
#, python-format
msgid "I agree to the <a href=\"%(terms_url)s\">Terms</a>."
msgstr ""

#: leadform/templates/thanks.html
msgid "Your reference"
msgstr ""

#: leadform/templates/base.html
msgid "Language"
msgstr ""

#: leadform/templates/register.html
msgid "Name"
msgstr ""

#: leadform/templates/register.html
msgid "Email"
msgstr ""
"""

# Line numbers below are those of each entry's msgid.
BROKEN = r"""# Traditional Chinese, with one mistake of each kind.
msgid ""
msgstr ""
"Language: zh_Hans_CN\n"
"Plural-Forms: nplurals=1; plural=0;\n"
"Content-Type: text/plain; charset=utf-8\n"

#: leadform/registration/rules.py
msgid "Enter your name."
msgstr ""

#: leadform/templates/register.html
#, fuzzy
msgid "Free trial"
msgstr "免費試用"

#: leadform/registration/rules.py
#, python-format
msgid "Your name must be %(max)s characters or fewer."
msgstr "姓名不可多於 %(maximum)s 個字元。"

#: leadform/registration/rules.py
#, python-format
msgid "Date should not be before %(date)s."
msgstr "日期太早。"

#: leadform/registration/rules.py
msgid "Hello {name}"
msgstr "你好 {nombre}"

#: leadform/registration/rules.py
#, python-format
msgid "%(num)d lead"
msgid_plural "%(num)d leads"
msgstr[0] "%(num)d 個"
msgstr[1] "%(num)d 個"

#: leadform/registration/consent.py
#, python-format
msgid "I agree to the <a href=\"%(terms_url)s\">Terms</a>."
msgstr "本人同意<a href=\"%(terms_url)s\" onclick=\"x()\">條款</a>。"

#: leadform/templates/thanks.html
msgid "Your reference"
msgstr "參考編號 100%"

#: leadform/templates/base.html
msgid "Language"
msgstr "<b>語言"

#: leadform/registration/rules.py
msgid "Gone from the code"
msgstr "已刪除"
"""

GERMAN_HEADER = (
    'msgid ""\nmsgstr ""\n"Language: de\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
)
PO = "locales/zh_Hant_HK/LC_MESSAGES/messages.po"
POT = "locales/messages.pot"

EXPECTED = [
    f"{PO}:2: (header): Language header is 'zh_Hans_CN', the folder 'zh_Hant_HK'",
    f'{PO}:9: "Enter your name.": untranslated',
    f'{PO}:14: "Free trial": fuzzy: review the translation, then remove the flag',
    f'{PO}:19: "Your name must be %(max)s characters or fewer.": '
    "unknown named placeholder 'maximum'",
    f'{PO}:24: "Date should not be before %(date)s.": placeholder %(date)s of the msgid is missing',
    f'{PO}:28: "Hello {{name}}": placeholders differ: missing {{name}}; '
    "not in the msgid {nombre}",
    f'{PO}:33: "%(num)d lead": wrong number of plural forms: this catalog has 1 (Plural-Forms)',
    f'{PO}:40: "I agree to the <a href="%(terms_url)s">Terms</a>.": markup differs: '
    'missing <a href="%(terms_url)s">; not in the msgid <a href="%(terms_url)s" onclick="x()">',
    f'{PO}:44: "Your reference": a lone % sign breaks the page: write %% for a percent sign',
    f'{PO}:48: "Language": markup differs: not in the msgid <b>',
    f'{PO}:52: "Gone from the code": not in the template: run make messages',
    f'{POT}:50: "Name": missing from {PO}: run make messages',
    f'{POT}:54: "Email": missing from {PO}: run make messages',
]


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout-like folder with the seeded template and catalog; the current folder."""
    folder = tmp_path / "locales"
    (folder / "zh_Hant_HK" / "LC_MESSAGES").mkdir(parents=True)
    (folder / "messages.pot").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / PO).write_text(BROKEN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADFORM_LOCALES_DIR", "locales")
    return folder


def run_check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["i18n", "check", *args])
    return code, capsys.readouterr().out.splitlines()


def test_check_reports_each_problem_with_file_line_msgid_and_problem(
    locales: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = run_check(capsys)
    assert code == 1
    assert lines == EXPECTED


def test_reported_lines_are_those_of_the_entries_msgids() -> None:
    files = {PO: BROKEN.splitlines(), POT: TEMPLATE.splitlines()}
    for line in EXPECTED:
        path, number, _ = line.split(":", 2)
        assert files[path][int(number) - 1].startswith("msgid "), line


def test_the_committed_catalogs_have_no_problem() -> None:
    problems, stats = check_locales(ROOT / "locales")
    assert [str(problem) for problem in problems] == []
    assert set(stats) >= {"zh_Hant_HK", "zh_Hans_CN"}


def test_check_exits_0_and_says_so_when_nothing_is_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEADFORM_LOCALES_DIR", str(ROOT / "locales"))
    assert main(["i18n", "check"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no problems in" in captured.err


def test_stats_count_fuzzy_untranslated_and_missing_msgids_correctly(
    locales: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, lines = run_check(capsys, "--stats")
    # 11 template msgids: 1 fuzzy; untranslated: the empty one and the 2 missing ones;
    # the stale entry is not counted; broken but translated entries count as translated.
    assert lines[0] == "zh_Hant_HK: 7 translated, 1 fuzzy, 3 untranslated of 11 (64% translated)"


@pytest.mark.parametrize(
    ("strings", "expected"),
    [
        (("一", "二"), Coverage(1, 0, 0)),
        (("一", ""), Coverage(0, 0, 1)),
        (("", ""), Coverage(0, 0, 1)),
    ],
)
def test_an_empty_plural_form_counts_as_untranslated(
    strings: tuple[str, str], expected: Coverage
) -> None:
    po = parse_po(
        (
            GERMAN_HEADER + f'\nmsgid "a lead"\nmsgid_plural "leads"\nmsgstr[0] "{strings[0]}"\n'
            f'msgstr[1] "{strings[1]}"\n'
        ).encode(),
        "de.po",
    )
    assert coverage(po) == expected
    if expected.untranslated:
        assert [str(p) for p in check_catalog(po, "de")] == ['de.po:6: "a lead": untranslated']


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (
            '#, fuzzy\nmsgid ""\nmsgstr ""\n"Language: ja\\n"\n'
            '"Plural-Forms: nplurals=1; plural=0;\\n"\n',
            "ja.po:2: (header): the header is marked fuzzy: remove the flag",
        ),
        (
            'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n',
            "ja.po:1: (header): Language header is None, the folder 'ja'",
        ),
        (
            'msgid ""\nmsgstr ""\n"Language: ja\\n"\n'
            '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n',
            "ja.po:1: (header): Plural-Forms header has nplurals=2; "
            "CLDR gives ja 1 (nplurals=1; plural=0;)",
        ),
        (
            'msgid ""\nmsgstr ""\n"Language: ja\\n"\n"Plural-Forms: nplurals=1; plural=n>>;\\n"\n',
            "ja.po:1: (header): Plural-Forms header has an invalid plural= expression: "
            "unexpected token in plural form: >",
        ),
    ],
)
def test_header_problems(header: str, problem: str) -> None:
    po = parse_po(header.encode(), "ja.po")
    assert [str(p) for p in check_catalog(po, "ja")] == [problem]


@pytest.mark.parametrize(
    ("data", "problems"),
    [
        (
            b'msgid ""\nmsgstr ""\n\nmsgid "Name"\nmsgstr "\xe5\xa7\x93\xff"\n',
            ["ja.po:5: is not valid utf-8: save the file as UTF-8"],
        ),
        (
            b'msgid ""\nmsgstr ""\n\nmsgid "Name"\nmsgtsr "x"\n',
            [
                "ja.po:4: \"Name\": cannot be read: missing msgstr for msgid 'Name'",
                "ja.po:5: cannot be read: Unknown or misformatted keyword",
            ],
        ),
        (
            b'msgid ""\nmsgstr ""\n\nmsgid "Name"\nmsgstr "x\n',
            ["ja.po:5: cannot be read: a string must be in double quotes, closed on the same line"],
        ),
        (
            b'msgid ""\nmsgstr ""\n\nmsgid "Name"\nmsgstr \xe5\xa7\x93\n',
            ["ja.po:5: cannot be read: a string must be in double quotes, closed on the same line"],
        ),
        (
            b'msgid ""\nmsgstr ""\n\n#-#-#-#-#  a.po  #-#-#-#-#\nmsgid "Name"\nmsgstr "x"\n',
            ["ja.po:4: cannot be read: cannot parse po file with conflicts"],
        ),
    ],
)
def test_a_file_that_does_not_parse_is_reported_at_its_line(
    data: bytes, problems: list[str]
) -> None:
    po = parse_po(data, "ja.po")
    assert [str(p) for p in po.problems] == problems
    assert all(p.breaks_pages for p in po.problems)


def test_an_invalid_plural_expression_refuses_start_up(tmp_path: Path) -> None:
    folder = tmp_path / "ja" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: ja\\n"\n"Plural-Forms: nplurals=1; plural=n>>;\\n"\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="invalid plural= expression"):
        load_languages(tmp_path, "en")


def test_a_folder_that_is_no_locale_is_reported(
    locales: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = locales / "klingon" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
    _, lines = run_check(capsys)
    assert (
        "locales/klingon/LC_MESSAGES/messages.po:1: folder 'klingon' is not a "
        "Babel locale id (such as ja, vi or zh_Hans_CN)"
    ) in lines


def test_a_missing_template_is_reported(locales: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (locales / "messages.pot").unlink()
    code, lines = run_check(capsys)
    assert code == 1
    assert lines[0] == "locales/messages.pot:1: missing: run make messages"


# --- start-up ----------------------------------------------------------------------


def test_start_up_refuses_a_page_breaking_problem_with_the_checks_message(locales: Path) -> None:
    with pytest.raises(CatalogError) as refused:
        load_languages(locales, "en")
    first = next(line for line in EXPECTED if "placeholder" in line)
    assert str(refused.value) == f"{first} (and 6 more: run leadform i18n check)"


def test_start_up_accepts_untranslated_fuzzy_and_header_problems(locales: Path) -> None:
    (locales / "zh_Hant_HK" / "LC_MESSAGES" / "messages.po").write_text(
        "\n".join(BROKEN.splitlines()[:16]) + "\n", encoding="utf-8"
    )
    zh = load_languages(locales, "en").exact("zh-hant-hk")
    assert zh is not None
    # untranslated and fuzzy entries show English
    assert zh.gettext("Enter your name.") == "Enter your name."
    assert zh.gettext("Free trial") == "Free trial"


def test_an_empty_plural_form_falls_back_to_english_at_run_time(tmp_path: Path) -> None:
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        GERMAN_HEADER
        + '\nmsgid "a lead"\nmsgid_plural "leads"\nmsgstr[0] "ein Lead"\nmsgstr[1] ""\n',
        encoding="utf-8",
    )
    de = load_languages(tmp_path, "en").exact("de")
    assert de is not None
    assert (de.ngettext("a lead", "leads", 1), de.ngettext("a lead", "leads", 2)) == (
        "a lead",
        "leads",
    )


def test_serve_prints_the_refusal_as_one_line(locales: Path) -> None:
    from tests.test_cli import run_leadform

    result = run_leadform(
        "serve",
        env={"LEADFORM_LOCALES_DIR": str(locales), "LEADFORM_SECRET_KEY": "k" * 40},
        cwd=locales.parent,
    )
    assert result.returncode == 2
    first = next(line for line in EXPECTED if "placeholder" in line)
    assert result.stderr.strip().splitlines() == [
        f"leadform: {first} (and 6 more: run leadform i18n check)"
    ]
