"""The pseudo-locale en-XA: every catalog string accented, about 40% longer, in brackets.

Text that is not from the catalog stays plain, and layouts that cannot take longer
translations break, both visibly. Placeholders (%(name)s, {name}), tags and character
references are kept as they are, so the pseudo-translation passes the same checks as a
real one. Pure: a template catalog in, a catalog out. Built at start-up, never written.
"""

from __future__ import annotations

import math
import re

from babel.messages.catalog import PYTHON_FORMAT, Catalog

PSEUDO_ID = "en_XA"
"""en-XA: the region code CLDR reserves for pseudo-locales (also Android's and Chrome's)."""

EXPANSION = 0.4

_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
# Kept verbatim: {name} and brace escapes, tags, character references.
_KEPT = re.compile(r"\{\{|\}\}|\{[^{}]*\}|</?[A-Za-z][^<>]*>|&#?\w+;")
_PADDING = "ŀöŕéɱ îþšûɱ ðöļöŕ šîţ åɱéţ çöñšéçţéţûŕ åðîþîšçîñĝ éļîţ "


def _kept_spans(text: str) -> list[tuple[int, int]]:
    """Where placeholders, tags and references are, earliest first, not overlapping."""
    found = sorted(
        [m.span() for m in PYTHON_FORMAT.finditer(text)] + [m.span() for m in _KEPT.finditer(text)]
    )
    spans: list[tuple[int, int]] = []
    for start, end in found:
        if not spans or start >= spans[-1][1]:
            spans.append((start, end))
    return spans


def pseudo_translate(text: str) -> str:
    """[Ŕéĝîšţéŕ ƒöŕ ɱý ƒŕéé ţŕîåļ ŀöŕéɱ îþš] for "Register for my free trial"."""
    if not text:
        return text
    parts: list[str] = []
    position = visible = 0
    for start, end in _kept_spans(text):
        parts.append(text[position:start].translate(_ACCENTED))
        parts.append(text[start:end])
        visible += start - position + (0 if text[start] in "<&" else end - start)
        position = end
    parts.append(text[position:].translate(_ACCENTED))
    visible += len(text) - position
    return f"[{''.join(parts)} {_padding(math.ceil(visible * EXPANSION))}]"


def _padding(length: int) -> str:
    repeats = length // len(_PADDING) + 1
    return (_PADDING * repeats)[: max(length, 1)].strip() or _PADDING[0]


def pseudo_catalog(template: Catalog) -> Catalog:
    """A catalog translating every msgid of the template (English plural rules)."""
    catalog = Catalog(locale="en", domain=template.domain)
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, str):
            string: str | tuple[str, ...] = pseudo_translate(message.id)
        else:
            string = tuple(pseudo_translate(form) for form in message.id[:2])
        catalog.add(message.id, string, flags=message.flags - {"fuzzy"}, context=message.context)
    return catalog
