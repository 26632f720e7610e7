"""Rendered pages kept for reuse, with slots for the values each request brings.

The form page is the same for every visitor of a day in a language; only values
like the form token differ. A page is rendered once with a unique marker in place
of each such value, split at the markers, and then served by joining the pieces
with the request's values, HTML-escaped as the template would have escaped them.
The cache holds a fixed number of pages (least recently used go first), so odd
Host headers or query strings cannot make it grow.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import escape

DEFAULT_SIZE = 128


def slot_marker(name: str, nonce: str) -> str:
    # Letters and digits only: no escaping or filter in a template changes it.
    return f"leadformslot{nonce}{name}end"


@dataclass(frozen=True)
class SlottedPage:
    """A page as literal pieces, with a slot name between each two of them."""

    pieces: tuple[str, ...]
    slots: tuple[str, ...]

    def fill(self, values: Mapping[str, str]) -> str:
        out = [self.pieces[0]]
        for name, piece in zip(self.slots, self.pieces[1:], strict=True):
            out.append(str(escape(values[name])))
            out.append(piece)
        return "".join(out)


def split_at_slots(html: str, markers: Mapping[str, str]) -> SlottedPage | None:
    """Cut `html` at every slot marker; None when a slot's value never reached the
    page as-is (a template that transforms the value cannot be served this way)."""
    by_marker = {marker: name for name, marker in markers.items()}
    if any(marker not in html for marker in by_marker):
        return None
    pieces: list[str] = []
    slots: list[str] = []
    rest = html
    while True:
        found = [(rest.find(m), m) for m in by_marker if m in rest]
        if not found:
            break
        at, marker = min(found)
        pieces.append(rest[:at])
        slots.append(by_marker[marker])
        rest = rest[at + len(marker) :]
    pieces.append(rest)
    return SlottedPage(tuple(pieces), tuple(slots))


class PageCache:
    """Pages by key, at most `size` of them."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self.nonce = secrets.token_hex(8)
        self._pages: OrderedDict[Hashable, SlottedPage | None] = OrderedDict()

    def markers(self, slots: Sequence[str]) -> dict[str, str]:
        return {name: slot_marker(name, self.nonce) for name in slots}

    def page(
        self,
        key: Hashable,
        slots: Sequence[str],
        render: Callable[[Mapping[str, str]], str],
        values: Mapping[str, str],
    ) -> str:
        """The page for `key` filled with `values`; `render(slot_values)` makes it."""
        if key in self._pages:
            self._pages.move_to_end(key)
            cached = self._pages[key]
            return cached.fill(values) if cached else render(values)
        markers = self.markers(slots)
        cached = split_at_slots(render(markers), markers)
        self._pages[key] = cached
        if len(self._pages) > self.size:
            self._pages.popitem(last=False)
        return cached.fill(values) if cached else render(values)
