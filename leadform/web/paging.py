"""Keyset pages, newest first, both ways: `before=<id>` reads older rows, `after=<id>`
newer ones, never OFFSET (which rescans and shifts as rows arrive). Pure: the rows a
query returned in, the page and its links' cursors out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from leadform.domain.cursors import parse_cursor

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    """Which page: below `before`, above `after`, or (neither) the newest."""

    before: int | None = None
    after: int | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]  # newest first
    newer: int | None  # `after=` for the next newer page; None on the newest page
    older: int | None  # `before=` for the next older page; None on the oldest page


def page_request(params: Mapping[str, str]) -> PageRequest:
    """`before` wins when both are given; a malformed cursor is the newest page."""
    before = parse_cursor(params.get("before", "") or "x")
    if before is not None:
        return PageRequest(before=before)
    return PageRequest(after=parse_cursor(params.get("after", "") or "x"))


def older_page(
    rows: Sequence[T], size: int, key: Callable[[T], int], before: int | None
) -> Page[T]:
    """From up to size + 1 rows newest first (below `before`, or the newest)."""
    items = list(rows[:size])
    older = key(items[-1]) if len(rows) > size else None
    newer = key(items[0]) if before is not None and items else None
    return Page(items, newer, older)


def newer_page(rows: Sequence[T], size: int, key: Callable[[T], int]) -> Page[T] | None:
    """From up to size + 1 rows oldest first above an `after` cursor; None when they
    reach the newest row, so the caller shows the (full) newest page instead."""
    if len(rows) <= size:
        return None
    items = list(rows[:size])[::-1]
    return Page(items, key(items[0]), key(items[-1]))


async def fetch_page(
    wanted: PageRequest,
    size: int,
    key: Callable[[T], int],
    older: Callable[[int | None, int], Awaitable[Sequence[T]]],
    newer: Callable[[int, int], Awaitable[Sequence[T]]],
) -> Page[T]:
    """The page `wanted` asks for, read both ways: `older(before, limit)` reads newest
    first below a cursor, `newer(after, limit)` oldest first above one. A newer page
    that reaches the newest row becomes the (full) newest page."""
    if wanted.after is not None:
        page = newer_page(await newer(wanted.after, size + 1), size, key)
        if page is not None:
            return page
        wanted = PageRequest()
    return older_page(await older(wanted.before, size + 1), size, key, wanted.before)
