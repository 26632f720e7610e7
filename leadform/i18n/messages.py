"""Translatable messages as values: code returns them, templates translate them.

`N_` marks a msgid for extraction (Babel's default keywords include it) without
translating it, because the request's language is known only at render time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


def N_(msgid: str) -> str:
    return msgid


@dataclass(frozen=True)
class Localised:
    """A text named outside the catalogs in several languages, such as a public
    holiday's name from the `holidays` package: (Babel locale id, text) pairs, the
    first one the fallback. A language picks the closest (same language and script)."""

    texts: tuple[tuple[str, str], ...]

    @classmethod
    def same(cls, text: str) -> Localised:
        """One text for every language (an operator's own words)."""
        return cls((("", text),))


@dataclass(frozen=True)
class LongDate:
    """A date spelled out in full ("25 December 2026", "2026年12月25日"), for a
    sentence that names one particular day."""

    day: date


@dataclass(frozen=True)
class Message:
    """A msgid with %-style parameters; dates are formatted for the locale and a
    parameter that is itself a Message (a treatment's name) is translated too."""

    msgid: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.msgid, tuple(sorted(self.params.items()))))

    def as_dict(self) -> dict[str, Any]:
        params = {
            key: value.as_dict() if isinstance(value, Message) else _plain(value)
            for key, value in self.params.items()
        }
        return {"msgid": self.msgid, "params": params}


Param = str | int | date | Message | Localised | LongDate


def _plain(value: Param) -> Any:
    if isinstance(value, Localised):
        return dict(value.texts)
    if isinstance(value, LongDate):
        return value.day
    return value
