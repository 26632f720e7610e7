"""Cursors: a row id as text, where a page or an export continues. Ids are SQLite's
64-bit integers, so anything longer or larger is no cursor."""

from __future__ import annotations

MAX_CURSOR = 2**63 - 1


def parse_cursor(value: str) -> int | None:
    """The id a cursor names (for an export: the last lead it covered); None when malformed."""
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if number <= MAX_CURSOR else None


def format_cursor(last_id: int) -> str:
    return str(last_id)
