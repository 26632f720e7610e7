"""What can be wrong with a .po catalog, and how complete it is. Pure: bytes in, problems out.

Babel's own checkers (`babel.messages.checkers`: plural count, %-placeholder kinds and
unknown names) run first; the checkers here add only what they lack: dropped
placeholders, {name} placeholders, a lone % in a string that is formatted, markup,
untranslated and fuzzy entries, the header, and msgids missing against the template.

A problem that would break a page (`breaks_pages`) refuses start-up; the others only
make a language fall back to English for some strings.
"""

from __future__ import annotations

import gettext
import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from babel import Locale, UnknownLocaleError
from babel.messages import checkers as babel_checkers
from babel.messages.catalog import PYTHON_FORMAT, Catalog, Message, TranslationError
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileParser

DOMAIN = "messages"

Checker = Callable[[Catalog | None, Message], object]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one entry, at the line of its msgid."""

    path: str
    line: int
    msgid: str | None  # "" for the header, None for the file as a whole
    text: str
    breaks_pages: bool = False

    def __str__(self) -> str:
        if self.msgid is None:
            return f"{self.path}:{self.line}: {self.text}"
        return f"{self.path}:{self.line}: {quote_msgid(self.msgid)}: {self.text}"


@dataclass(frozen=True)
class PoFile:
    """A parsed .po or .pot file and the problems found while parsing it."""

    path: str
    catalog: Catalog
    header_line: int = 1
    problems: tuple[Problem, ...] = field(default=())


@dataclass(frozen=True)
class Coverage:
    """How much of the template a catalog translates; every template msgid counts once."""

    translated: int
    fuzzy: int
    untranslated: int

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


def quote_msgid(msgid: str, limit: int = 60) -> str:
    """The msgid as shown in a problem: quoted, on one line, shortened."""
    if not msgid:
        return "(header)"
    text = msgid.replace("\n", "\\n")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f'"{text}"'


# --- parsing ------------------------------------------------------------------------


class _CollectingParser(PoFileParser):
    """Babel's parser, collecting every syntax problem (with its line) instead of
    printing a warning or stopping at the first."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__(catalog, ignore_obsolete=True)
        self.invalid: list[tuple[int, str]] = []

    def _invalid_pofile(self, line: str, lineno: int, msg: str) -> None:
        self.invalid.append((lineno + 1, msg))


def parse_po(data: bytes, path: str) -> PoFile:
    """Parse a .po/.pot file's bytes; syntax problems become problems, never exceptions."""
    catalog = Catalog(domain=DOMAIN)
    parser = _CollectingParser(catalog)
    try:
        parser.parse(data.splitlines(keepends=True))
    except UnicodeDecodeError:
        line = _first_undecodable_line(data, catalog.charset)
        text = f"is not valid {catalog.charset}: save the file as UTF-8"
        return PoFile(path, Catalog(domain=DOMAIN), 1, (Problem(path, line, None, text, True),))
    except Exception as exc:  # Babel raises several types for a file it cannot read
        problem = Problem(path, 1, None, f"cannot be read: {exc}", True)
        return PoFile(path, Catalog(domain=DOMAIN), 1, (problem,))
    invalid = dict(_unquoted_lines(data, catalog.charset)) | dict(parser.invalid)
    by_line = {message.lineno: _singular(message.id) for message in catalog}
    problems = tuple(
        _syntax_problem(path, line, by_line.get(line), msg, catalog)
        for line, msg in sorted(invalid.items())
    )
    return PoFile(path, catalog, _header_line(data), problems)


# A keyword and its string, or a continued string: "…" with escapes, closed.
_PO_LINE = re.compile(
    r'^(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"(?:[^"\\]|\\.)*"$'
)


def _unquoted_lines(data: bytes, charset: str) -> Iterator[tuple[int, str]]:
    """Lines Babel reads leniently (as an empty string) that gettext's msgfmt refuses:
    a string without its closing quote, or with no quotes at all."""
    for number, raw in enumerate(data.decode(charset).splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#") and not _PO_LINE.match(line):
            yield number, "a string must be in double quotes, closed on the same line"


def _syntax_problem(path: str, line: int, msgid: str | None, msg: str, catalog: Catalog) -> Problem:
    if "more translations than num_plurals" in msg:
        msg = f"wrong number of plural forms: this catalog has {catalog.num_plurals} (Plural-Forms)"
    else:
        msg = f"cannot be read: {msg}"
    return Problem(path, line, msgid, msg, breaks_pages=True)


def _first_undecodable_line(data: bytes, charset: str) -> int:
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            raw.decode(charset)
        except (UnicodeDecodeError, LookupError):
            return number
    return 1


def _header_line(data: bytes) -> int:
    """The line of the first msgid, which is the header entry in a gettext file."""
    for number, raw in enumerate(data.splitlines(), start=1):
        if raw.lstrip().startswith(b"msgid "):
            return number
    return 1


# --- placeholders and markup ----------------------------------------------------------

_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_SPACES = re.compile(r"\s+")


def _singular(msgid: str | Sequence[str]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _forms(message: Message) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs to compare: the singular with the first form, the plural
    with every other form (and with the only form of a one-form language)."""
    if isinstance(message.id, str):
        return [(message.id, str(message.string or ""))]
    singular, plural = message.id[0], message.id[1]
    strings = list(message.string or ())
    if len(strings) == 1:
        return [(plural, strings[0])]
    return [(singular, strings[0]), *((plural, form) for form in strings[1:])]


def percent_placeholders(text: str) -> dict[str, str]:
    """The %(name)s placeholders of a string, by name."""
    return {m.group(1): m.group(0) for m in PYTHON_FORMAT.finditer(text) if m.group(1)}


def brace_names(text: str) -> Counter[str] | None:
    """The {name} placeholders of a string; None when its braces do not parse."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return None
    return Counter(name for _, name, _, _ in parsed if name is not None)


def markup(text: str) -> Counter[str]:
    """The tags of a string, attributes and all, ignoring order and spacing."""
    return Counter(_SPACES.sub(" ", tag) for tag in _TAG.findall(text))


def _formatted(message: Message) -> bool:
    """Whether the page runs `msgstr % values`: Jinja2's newstyle gettext does it for
    every template string, Python code only for strings with placeholders."""
    from_template = any(filename.endswith(".html") for filename, _ in message.locations)
    return from_template or "python-format" in message.flags


def dropped_placeholders(catalog: Catalog | None, message: Message) -> None:
    """A %(name)s of the msgid missing from the translation (Babel allows that). The
    first of several plural forms may drop it: "one lead" needs no number."""
    pairs = _forms(message)
    if not isinstance(message.id, str) and len(pairs) > 1:
        pairs = pairs[1:]
    for msgid, msgstr in pairs:
        wanted, found = percent_placeholders(msgid), percent_placeholders(msgstr)
        missing = [token for name, token in sorted(wanted.items()) if name not in found]
        if missing and msgstr:
            raise TranslationError(f"placeholder {', '.join(missing)} of the msgid is missing")


def unformattable(catalog: Catalog | None, message: Message) -> None:
    """A translation the page cannot format: `msgstr % values` fails on a lone %, or on
    a placeholder the msgid does not have where Babel does not look (no placeholder in
    the msgid, or a % beside valid placeholders)."""
    if not _formatted(message):
        return
    for msgid, msgstr in _forms(message):
        if not msgstr or _positional(msgid):
            continue  # Babel's python_format counts positional placeholders
        values = {
            name: _SAMPLES.get(kind, "x") for name, _, kind in PYTHON_FORMAT.findall(msgid) if name
        }
        try:
            msgstr % values  # the formatting is the check
        except KeyError as missing:
            raise TranslationError(
                f"placeholder %({missing.args[0]})s is not in the msgid"
            ) from None
        except (ValueError, TypeError):
            raise TranslationError(
                "a lone % sign breaks the page: write %% for a percent sign"
            ) from None


_SAMPLES: dict[str, object] = dict.fromkeys("diouxXc", 1) | dict.fromkeys("eEfFgG", 1.0)


def _positional(msgid: str) -> bool:
    return any(not name and kind != "%" for name, _, kind in PYTHON_FORMAT.findall(msgid))


def _differences(wanted: Counter[str], found: Counter[str], show: Callable[[str], str]) -> str:
    missing = ", ".join(show(item) for item in sorted((wanted - found).elements()))
    extra = ", ".join(show(item) for item in sorted((found - wanted).elements()))
    parts = ([f"missing {missing}"] if missing else []) + (
        [f"not in the msgid {extra}"] if extra else []
    )
    return "; ".join(parts)


def brace_placeholders(catalog: Catalog | None, message: Message) -> None:
    """{name} placeholders, which Babel does not check."""
    for msgid, msgstr in _forms(message):
        wanted = brace_names(msgid)
        if not wanted or not msgstr:
            continue
        found = brace_names(msgstr)
        if found is None:
            raise TranslationError("unbalanced { or }: write {{ or }} for a brace")
        if found != wanted:
            text = _differences(wanted, found, lambda name: f"{{{name}}}")
            raise TranslationError(f"placeholders differ: {text}")


def same_markup(catalog: Catalog | None, message: Message) -> None:
    """Every tag of the msgid, unchanged (attributes included), and no other."""
    for msgid, msgstr in _forms(message):
        wanted, found = markup(msgid), markup(msgstr)
        if msgstr and found != wanted:
            raise TranslationError(f"markup differs: {_differences(wanted, found, str)}")


BABEL_CHECKERS: tuple[Checker, ...] = (babel_checkers.num_plurals, babel_checkers.python_format)
OWN_CHECKERS: tuple[Checker, ...] = (
    dropped_placeholders,
    unformattable,
    brace_placeholders,
    same_markup,
)


def _translation_problems(catalog: Catalog, message: Message) -> Iterator[str]:
    """What the page would get wrong with this (translated, not fuzzy) entry. Babel's
    verdict on %-placeholders wins over ours, so one mistake is reported once."""
    babel_found = False
    for checker in BABEL_CHECKERS:
        try:
            checker(catalog, message)
        except TranslationError as error:
            babel_found = True
            yield str(error)
    for checker in OWN_CHECKERS:
        if babel_found and checker in (dropped_placeholders, unformattable):
            continue
        try:
            checker(catalog, message)
        except TranslationError as error:
            yield str(error)


# --- the catalog as a whole ---------------------------------------------------------


def is_untranslated(message: Message) -> bool:
    """No translation, or any empty plural form."""
    if isinstance(message.string, str):
        return not message.string
    return not message.string or not all(message.string)


def entries(catalog: Catalog) -> Iterator[Message]:
    """The catalog's messages, without the header."""
    return (message for message in catalog if message.id)


def check_catalog(po: PoFile, locale_id: str, template: PoFile | None = None) -> list[Problem]:
    """Every problem of a language's catalog, in line order."""
    problems = list(po.problems)
    problems += header_problems(po, locale_id)
    for message in entries(po.catalog):
        problems += entry_problems(po.path, po.catalog, message)
    if template is not None:
        problems += template_problems(po, template)
    return sorted(problems, key=lambda p: (p.path != po.path, p.path, p.line))


def page_breaking(problems: Iterable[Problem]) -> list[Problem]:
    return [problem for problem in problems if problem.breaks_pages]


def entry_problems(path: str, catalog: Catalog, message: Message) -> list[Problem]:
    msgid = _singular(message.id)
    line = message.lineno or 1
    if message.fuzzy:
        # gettext ignores fuzzy entries, so the page shows English: nothing breaks.
        return [Problem(path, line, msgid, "fuzzy: review the translation, then remove the flag")]
    if is_untranslated(message):
        return [Problem(path, line, msgid, "untranslated")]
    return [
        Problem(path, line, msgid, text, breaks_pages=True)
        for text in _translation_problems(catalog, message)
    ]


def folder_problem(path: str, locale_id: str) -> Problem | None:
    """A catalog folder whose name is no locale Babel (CLDR) knows."""
    try:
        Locale.parse(locale_id)
    except (UnknownLocaleError, ValueError):
        text = f"folder {locale_id!r} is not a Babel locale id (such as ja, vi or zh_Hans_CN)"
        return Problem(path, 1, None, text, breaks_pages=True)
    return None


def header_problems(po: PoFile, locale_id: str) -> list[Problem]:
    """The header's fuzzy flag, Language and plural count against the folder's locale."""
    folder = folder_problem(po.path, locale_id)
    if folder is not None:
        return [folder]
    line, problems = po.header_line, []
    catalog = po.catalog
    if catalog.fuzzy:
        problems.append(Problem(po.path, line, "", "the header is marked fuzzy: remove the flag"))
    declared = catalog.locale_identifier
    if _normalised(declared) != _normalised(locale_id):
        problems.append(
            Problem(po.path, line, "", f"Language header is {declared!r}, the folder {locale_id!r}")
        )
    try:
        gettext.c2py(catalog.plural_expr)  # what the service's gettext will run
    except (ValueError, SyntaxError) as error:
        text = f"Plural-Forms header has an invalid plural= expression: {error}"
        problems.append(Problem(po.path, line, "", text, breaks_pages=True))
    expected = _cldr_plural_count(locale_id)
    if expected is not None and catalog.num_plurals != expected:
        problems.append(
            Problem(
                po.path,
                line,
                "",
                f"Plural-Forms header has nplurals={catalog.num_plurals}; "
                f"CLDR gives {locale_id} {expected} ({get_plural(locale_id).plural_forms})",
            )
        )
    return problems


def _normalised(locale_id: str | None) -> str:
    if not locale_id:
        return ""
    try:
        return str(Locale.parse(locale_id.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        return locale_id


def _cldr_plural_count(locale_id: str) -> int | None:
    try:
        return int(get_plural(locale_id).num_plurals)
    except (UnknownLocaleError, ValueError):
        return None


def _key(message: Message) -> tuple[str, str | None]:
    return _singular(message.id), message.context


def template_problems(po: PoFile, template: PoFile) -> list[Problem]:
    """Msgids the template has and the catalog lacks, and the reverse."""
    have = {_key(m) for m in entries(po.catalog)}
    wanted = {_key(m) for m in entries(template.catalog)}
    missing = [
        Problem(
            template.path, m.lineno or 1, _key(m)[0], f"missing from {po.path}: run make messages"
        )
        for m in entries(template.catalog)
        if _key(m) not in have
    ]
    stale = [
        Problem(po.path, m.lineno or 1, _key(m)[0], "not in the template: run make messages")
        for m in entries(po.catalog)
        if _key(m) not in wanted
    ]
    return missing + stale


def coverage(po: PoFile, template: PoFile | None = None) -> Coverage:
    """Translated / fuzzy / untranslated over the template's msgids (or the catalog's
    own when there is no template); a msgid the catalog lacks counts as untranslated."""
    messages = {_key(m): m for m in entries(po.catalog)}
    keys = [_key(m) for m in entries(template.catalog)] if template else list(messages)
    translated = fuzzy = untranslated = 0
    for key in keys:
        message = messages.get(key)
        if message is not None and message.fuzzy:
            fuzzy += 1
        elif message is None or is_untranslated(message):
            untranslated += 1
        else:
            translated += 1
    return Coverage(translated, fuzzy, untranslated)
