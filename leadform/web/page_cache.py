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
import struct
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from markupsafe import escape

DEFAULT_SIZE = 128
GZIP_LEVEL = 6
# RFC 1952 member header: deflate, no flags, no mtime, no extra flags, OS unknown.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def slot_marker(index: int, nonce: str) -> str:
    # Letters and digits only: no escaping or filter in a template changes it.
    return f"leadformslot{nonce}n{index}end"


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

    def fill_gzip(self, values: Mapping[str, str]) -> bytes:
        """`fill(values)` UTF-8 encoded and gzip-compressed, compressing only the values.

        The literal pieces are compressed once, each as deflate blocks ending in a
        full flush (which resets the compressor's history, so a block does not
        depend on what came before it); per request only the values are compressed
        the same way, and the blocks are joined into one gzip member with the CRC of
        the whole text (the way pigz joins blocks compressed in parallel).
        """
        out = [_GZIP_HEADER, self._compressed[0]]
        text = self._encoded[0]
        crc = zlib.crc32(text)
        size = len(text)
        last = len(self.slots) - 1
        for index, name in enumerate(self.slots):
            value = str(escape(values[name])).encode()
            crc = zlib.crc32(self._encoded[index + 1], zlib.crc32(value, crc))
            size += len(value) + len(self._encoded[index + 1])
            out.append(_deflate(value, final=False))
            out.append(self._compressed[index + 1] if index < last else self._final)
        if not self.slots:
            out[1] = self._final
        out.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
        return b"".join(out)

    @cached_property
    def _encoded(self) -> tuple[bytes, ...]:
        return tuple(piece.encode() for piece in self.pieces)

    @cached_property
    def _compressed(self) -> tuple[bytes, ...]:
        return tuple(_deflate(piece, final=False) for piece in self._encoded)

    @cached_property
    def _final(self) -> bytes:
        return _deflate(self._encoded[-1], final=True)


def _deflate(data: bytes, *, final: bool) -> bytes:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(
        zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH
    )


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
        return {name: slot_marker(index, self.nonce) for index, name in enumerate(slots)}

    def slotted(
        self, key: Hashable, slots: Sequence[str], render: Callable[[Mapping[str, str]], str]
    ) -> SlottedPage | None:
        """The page for `key`, rendered by `render(slot values)` the first time; None
        when the page cannot be reused (render it per request)."""
        if key in self._pages:
            self._pages.move_to_end(key)
            return self._pages[key]
        markers = self.markers(slots)
        found = split_at_slots(render(markers), markers)
        self._pages[key] = found
        if len(self._pages) > self.size:
            self._pages.popitem(last=False)
        return found

    def page(
        self,
        key: Hashable,
        slots: Sequence[str],
        render: Callable[[Mapping[str, str]], str],
        values: Mapping[str, str],
    ) -> str:
        """The page for `key` filled with `values`."""
        found = self.slotted(key, slots, render)
        return found.fill(values) if found else render(values)
