"""Languages: catalogs read from .po files, script-aware negotiation, formatting.

English is the source language (the msgids); every other language is a folder
`locales/<Babel locale id>/LC_MESSAGES/messages.po`, read at start-up. Nothing is
compiled to disk, so nothing can go stale. A catalog with a problem that would break
a page (see `leadform.i18n.catalogs`) refuses start-up; untranslated and fuzzy entries
fall back to English. The opt-in pseudo-locale en-XA is built from messages.pot.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations

from leadform.i18n.catalogs import (
    DOMAIN,
    PoFile,
    Problem,
    check_catalog,
    coverage,
    entries,
    folder_problem,
    is_untranslated,
    parse_po,
)
from leadform.i18n.catalogs import page_breaking as page_breaking_problems
from leadform.i18n.messages import Localised, LongDate, Message, Param
from leadform.i18n.pseudo import PSEUDO_ID, pseudo_catalog, pseudo_translate

SOURCE_LOCALE = "en"
TEMPLATE = "messages.pot"

# Bare "zh" carries no script. Babel's likely subtags would make it Simplified
# (zh_Hans_CN), but this service speaks to a Hong Kong audience, for whom an
# unqualified Chinese preference means Traditional. zh-CN, zh-SG and zh-Hans name
# their script (Babel fills it in from the territory), so they reach Simplified.
SCRIPT_DEFAULTS = {"zh": "Hant"}
CLINIC_TERRITORY = "HK"

_LANGUAGE_RANGE = re.compile(r"^(?:\*|[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*)$")
_QVALUE = re.compile(r"^[qQ]\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$")


class CatalogError(ValueError):
    """A catalog that would break pages; refuses start-up."""


@dataclass(frozen=True)
class Language:
    """One language the service speaks."""

    locale: Locale
    translations: gettext.NullTranslations
    # Set for the pseudo-locale, whose id CLDR does not know (it formats as `locale`).
    identifier: str = ""
    name: str = ""
    negotiable: bool = True
    # Below LEADFORM_MIN_TRANSLATED: not negotiated nor listed, only previewed at its URL.
    draft: bool = False
    translated_percent: float = 100.0

    @cached_property  # asked on every request; Babel computes it each time
    def id(self) -> str:
        """Babel's id, as in the catalog's folder: zh_Hant_HK."""
        return self.identifier or str(self.locale)

    @cached_property  # asked on every request; Babel computes it each time
    def tag(self) -> str:
        """BCP 47 tag for <html lang> and hreflang: zh-Hant-HK."""
        return self.id.replace("_", "-")

    @cached_property
    def text_tag(self) -> str:
        """The tag of the text a page in this language mostly shows: a draft under
        half translated shows mostly the English it falls back to."""
        return SOURCE_LOCALE if self.draft and self.translated_percent < 50 else self.tag

    @cached_property  # asked on every request; Babel computes it each time
    def url_tag(self) -> str:
        """The canonical tag in URLs: zh-hant-hk."""
        return self.tag.lower()

    @property
    def native_name(self) -> str:
        """The language's own name from CLDR (繁體中文, English)."""
        if self.name:
            return self.name
        key = "_".join(filter(None, (self.locale.language, self.locale.script)))
        name = self.locale.languages.get(key) or self.locale.get_language_name(self.locale)
        return str(name)

    def gettext(self, msgid: str) -> str:
        return self.translations.gettext(msgid)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def format_date(self, day: date) -> str:
        return str(format_date(day, format="medium", locale=self.locale))

    def format_datetime(self, moment: datetime, zone: ZoneInfo) -> str:
        """An instant in `zone` with the month spelled out and a 24-hour clock, in the
        language's CLDR order: "Nov 26, 2026, 21:34", "2026年11月26日 21:34". A
        numeric date (11/26/26) reads differently in Hong Kong than in the US."""
        local = moment.astimezone(zone)
        day = format_skeleton("yMMMd", local, locale=self.locale)
        clock = format_skeleton("Hm", local, locale=self.locale)
        # How the language joins a date and a time ("{1}, {0}"), as Babel's own
        # format_datetime reads it (quotes mark literal text).
        pattern = str(self.locale.datetime_formats["medium"]).replace("'", "")
        return pattern.replace("{1}", str(day)).replace("{0}", str(clock))

    def format_month_day(self, day: date) -> str:
        """A day of the month with the month spelled out: "Nov 26", "11月26日"."""
        return str(format_skeleton("MMMd", day, locale=self.locale))

    def join(self, items: Sequence[str]) -> str:
        """A list in the language's words: "A, B, and C", "A、B及C" (CLDR)."""
        return str(format_list(list(items), locale=self.locale)) if items else ""

    def translate(self, message: Message) -> str:
        params = {key: self.format_param(value) for key, value in message.params.items()}
        text = self.gettext(message.msgid)
        return text % params if params else text

    def format_param(self, value: Param) -> str | int:
        """A message parameter as this language writes it."""
        if isinstance(value, Message):
            return self.translate(value)
        if isinstance(value, Localised):
            return self.pick(value)
        if isinstance(value, LongDate):
            return self.format_long_date(value.day)
        if isinstance(value, date):
            return self.format_date(value)
        return value

    def format_long_date(self, day: date) -> str:
        """A day spelled out: "25 December 2026", "2026年12月25日"."""
        return str(format_date(day, format="long", locale=self._dates_locale))

    @cached_property
    def _dates_locale(self) -> Locale:
        """The locale, or where it names no territory (English), the same language as
        written in Hong Kong, where the clinic is: "25 December 2026", not "December 25"."""
        if self.locale.territory:
            return self.locale
        try:
            return Locale(self.locale.language, territory=CLINIC_TERRITORY)
        except UnknownLocaleError:
            return self.locale

    def pick(self, localised: Localised) -> str:
        """The text closest to this language: same language and script, then same
        territory; else the first (the source's default)."""
        mine = script_key(self.locale)
        close = [
            (locale, text)
            for locale, text in localised.texts
            if (parsed := parse_tag(locale)) is not None and script_key(parsed) == mine
        ]
        territory = f"_{self.locale.territory}"
        same_territory = [text for locale, text in close if locale.endswith(territory)]
        return (same_territory or [text for _, text in close] or [localised.texts[0][1]])[0]


class Languages:
    """The languages found in the locales folder, with lookup and negotiation."""

    def __init__(self, languages: Iterable[Language], default: str) -> None:
        self.all: tuple[Language, ...] = tuple(sorted(languages, key=lambda lang: lang.id))
        self._by_url_tag = {lang.url_tag: lang for lang in self.all}
        if len(self._by_url_tag) < len(self.all):
            tags = [lang.tag for lang in self.all]
            twice = sorted({tag for tag in tags if tags.count(tag) > 1})
            raise CatalogError(
                f"two catalogs for {', '.join(twice)} (English is the source language: "
                "its wording is the msgids in the code)"
            )
        found = self.match(default)
        if found is None:
            raise CatalogError(
                f"LEADFORM_DEFAULT_LOCALE: no catalog for {default!r} "
                f"(available: {', '.join(lang.tag for lang in self.all)})"
            )
        self.default = found

    @cached_property
    def listed(self) -> tuple[Language, ...]:
        """The languages offered in switches and to integrations: no drafts."""
        return tuple(lang for lang in self.all if not lang.draft)

    @property
    def tags(self) -> list[str]:
        """Every language's tag, as stored with a lead and accepted by the filters."""
        return [lang.tag for lang in self.all]

    def exact(self, url_tag: str) -> Language | None:
        return self._by_url_tag.get(url_tag.lower())

    def match(self, tag: str) -> Language | None:
        """The language serving `tag`: same language and script, best territory."""
        exact = self.exact(tag.replace("_", "-"))
        if exact is not None:
            return exact
        wanted = parse_tag(tag)
        if wanted is None:
            return None
        exact = self.exact(str(wanted).replace("_", "-"))
        if exact is not None:
            return exact
        candidates = [
            lang
            for lang in self.all
            if lang.negotiable and script_key(lang.locale) == script_key(wanted)
        ]
        same_territory = [lang for lang in candidates if lang.locale.territory == wanted.territory]
        best = same_territory or candidates
        return best[0] if best else None

    def negotiate(self, accept_language: str | None) -> Language:
        """The best language for an Accept-Language header; the default when none fits."""
        for tag in parse_accept_language(accept_language or ""):
            if tag == "*":
                return self.default
            found = self.match(tag)
            if found is not None and not found.draft:
                return found
        return self.default

    def choose(self, tags: Iterable[str | None], accept_language: str | None) -> Language:
        """The first of `tags` the service speaks (an explicit choice: a URL, a query,
        a cookie), else the best for the browser's Accept-Language."""
        for tag in tags:
            found = self.match(tag) if tag else None
            if found is not None:
                return found
        return self.negotiate(accept_language)


def parse_tag(tag: str) -> Locale | None:
    """Parse a BCP 47 tag (any case, - or _) with Babel; None when it is not one.
    A territory CLDR has no locale for is dropped: zh-US is read as zh."""
    if not _LANGUAGE_RANGE.match(tag) or tag == "*":
        return None
    subtags = tag.replace("_", "-").split("-")
    while subtags:
        try:
            return Locale.parse("-".join(subtags), sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            subtags.pop()
    return None


def script_key(locale: Locale) -> tuple[str, str]:
    """(language, script), filling a missing script from CLDR's likely subtags."""
    if locale.script:
        return locale.language, locale.script
    if locale.language in SCRIPT_DEFAULTS:
        return locale.language, SCRIPT_DEFAULTS[locale.language]
    likely: Mapping[str, str] = get_global("likely_subtags")
    full = likely.get(locale.language, "")
    parts = full.split("_")
    script = next((p for p in parts[1:] if len(p) == 4), "")
    return locale.language, script


def parse_accept_language(header: str) -> list[str]:
    """Language ranges by descending q-value (RFC 9110 §12.5.4); junk is skipped."""
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:32]):
        parts = [part.strip() for part in item.split(";")]
        tag = parts[0]
        if not tag or not _LANGUAGE_RANGE.match(tag):
            continue
        quality = 1.0
        for param in parts[1:]:
            q = _QVALUE.match(param)
            if q:
                quality = float(q.group(1))
            elif param.lower().startswith("q"):
                quality = -1.0  # malformed weight: ignore the range
        if quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def load_languages(
    locales_dir: Path, default: str, *, pseudo: bool = False, min_translated: float = 0
) -> Languages:
    """English plus one language per catalog folder found (and en-XA when `pseudo`);
    a catalog translating less than `min_translated` percent of the template is a draft."""
    if not locales_dir.is_dir():
        # Serving English alone because the folder was missed would hide every
        # other language without a word; refuse instead.
        raise CatalogError(f"LEADFORM_LOCALES_DIR: no catalog folder at {locales_dir}")
    languages = [Language(Locale.parse(SOURCE_LOCALE), gettext.NullTranslations())]
    template_path = locales_dir / TEMPLATE
    template = read_po_file(template_path) if template_path.is_file() else None
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        languages.append(load_language(po_path, template, min_translated))
    if pseudo:
        languages.append(load_pseudo_language(locales_dir / TEMPLATE))
    return Languages(languages, default)


def load_language(
    po_path: Path, template: PoFile | None = None, min_translated: float = 0
) -> Language:
    """One catalog, refused (CatalogError) when it has a problem that breaks pages."""
    folder = po_path.parent.parent.name
    problem = folder_problem(display_path(po_path), folder)
    if problem is not None:
        raise CatalogError(str(problem))
    po = read_po_file(po_path)
    refuse_page_breaking(check_catalog(po, folder))
    percent = coverage(po, template).percent
    return Language(
        Locale.parse(folder),
        compile_catalog(po.catalog),
        negotiable=percent >= min_translated,
        draft=percent < min_translated,
        translated_percent=percent,
    )


def load_pseudo_language(template_path: Path) -> Language:
    if not template_path.is_file():
        raise CatalogError(
            f"LEADFORM_PSEUDO_LOCALE: {display_path(template_path)} is missing (run make messages)"
        )
    template = read_po_file(template_path)
    refuse_page_breaking(template.problems)
    return Language(
        Locale.parse(SOURCE_LOCALE),
        compile_catalog(pseudo_catalog(template.catalog)),
        identifier=PSEUDO_ID,
        name=pseudo_translate("English"),
        negotiable=False,
    )


def read_po_file(path: Path) -> PoFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{display_path(path)}: cannot be read: {exc.strerror}") from None
    return parse_po(data, display_path(path))


def refuse_page_breaking(problems: Iterable[Problem]) -> None:
    """Raise the first problem that would break a page, as `leadform i18n check` says it."""
    breaking = page_breaking_problems(problems)
    if breaking:
        more = (
            f" (and {len(breaking) - 1} more: run leadform i18n check)" if len(breaking) > 1 else ""
        )
        raise CatalogError(f"{breaking[0]}{more}")


def compile_catalog(catalog: Catalog) -> Translations:
    """Translations in memory. Fuzzy and untranslated entries (an empty plural form
    included) are left out, so they fall back to English."""
    for message in list(entries(catalog)):
        if message.fuzzy or is_untranslated(message):
            catalog.delete(message.id, context=message.context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def display_path(path: Path) -> str:
    """A path as problems show it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
