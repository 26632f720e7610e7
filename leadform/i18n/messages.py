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
class Message:
    """A msgid with %-style parameters; dates are formatted for the locale and a
    parameter that is itself a Message (a treatment's name) is translated too."""

    msgid: str
    params: Mapping[str, str | int | date | Message] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.msgid, tuple(sorted(self.params.items()))))

    def as_dict(self) -> dict[str, Any]:
        params = {
            key: value.as_dict() if isinstance(value, Message) else value
            for key, value in self.params.items()
        }
        return {"msgid": self.msgid, "params": params}
