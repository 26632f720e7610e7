"""Pages rendered once with slots for per-request values, kept in a bounded cache."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadform.web.page_cache import PageCache, SlottedPage, split_at_slots

# The machine is shared: a slow example is not a failure (speed lives in bench/).
NO_DEADLINE = settings(deadline=None)


def page_with(token: str, note: str = "") -> str:
    """What a template with autoescaping would render."""
    from markupsafe import escape

    return f'<form><input name="token" value="{escape(token)}">{note}</form><p>{escape(token)}</p>'


def test_a_filled_page_equals_the_page_rendered_with_the_value() -> None:
    cache = PageCache()
    markers = cache.markers(["token"])
    page = split_at_slots(page_with(markers["token"]), markers)
    assert page is not None
    assert page.fill({"token": "abc.123"}) == page_with("abc.123")


@NO_DEADLINE
@given(value=st.text())
def test_filled_values_are_escaped_as_the_template_would(value: str) -> None:
    cache = PageCache()
    markers = cache.markers(["token"])
    page = split_at_slots(page_with(markers["token"]), markers)
    assert page is not None
    assert page.fill({"token": value}) == page_with(value)


def test_a_slot_the_template_changed_makes_the_page_uncacheable() -> None:
    cache = PageCache()
    markers = cache.markers(["token"])
    assert split_at_slots(page_with(markers["token"].upper()), markers) is None


def test_slots_are_filled_in_page_order() -> None:
    page = SlottedPage(("<a>", "<b>", "<c>"), ("x", "y"))
    assert page.fill({"x": "1", "y": "<2>"}) == "<a>1<b>&lt;2&gt;<c>"


def test_a_page_is_rendered_once_per_key_and_filled_per_request() -> None:
    cache = PageCache()
    renders: list[Mapping[str, str]] = []

    def render(slots: Mapping[str, str]) -> str:
        renders.append(slots)
        return page_with(slots["token"])

    first = cache.page("en", ["token"], render, {"token": "t1"})
    second = cache.page("en", ["token"], render, {"token": "t2"})
    assert (first, second) == (page_with("t1"), page_with("t2"))
    assert len(renders) == 1


def test_an_uncacheable_page_is_rendered_for_every_request() -> None:
    cache = PageCache()
    renders = []

    def render(slots: Mapping[str, str]) -> str:
        renders.append(slots)
        return "<p>no slot here</p>"

    for token in ("t1", "t2"):
        assert cache.page("en", ["token"], render, {"token": token}) == "<p>no slot here</p>"
    assert [r["token"] for r in renders][-2:] == ["t1", "t2"]


@pytest.mark.parametrize("size", [1, 3])
def test_the_cache_keeps_at_most_its_size_dropping_the_least_recently_used(size: int) -> None:
    cache = PageCache(size=size)
    rendered: list[str] = []

    def render_for(key: str):  # type: ignore[no-untyped-def]
        def render(slots: Mapping[str, str]) -> str:
            rendered.append(key)
            return page_with(slots["token"], key)

        return render

    for key in ["a", "b", "c", "d", "a"]:
        cache.page(key, ["token"], render_for(key), {"token": "t"})
    assert len(cache._pages) == size
    assert rendered.count("a") == (1 if size >= 4 else 2)


@pytest.mark.parametrize(
    ("pieces", "slots"),
    [
        (("<a>", "<b>", "<c>"), ("x", "y")),
        (("only text",), ()),
        (("<a>", ""), ("x",)),
        (("", "<z>"), ("x",)),
    ],
)
@NO_DEADLINE
@given(x=st.text(), y=st.text())
def test_the_gzipped_page_is_one_gzip_member_holding_the_filled_page(
    pieces: tuple[str, ...], slots: tuple[str, ...], x: str, y: str
) -> None:
    page = SlottedPage(pieces, slots)
    values = {"x": x, "y": y}
    inflate = zlib.decompressobj(wbits=31)
    text = inflate.decompress(page.fill_gzip(values)) + inflate.flush()
    assert inflate.eof and not inflate.unused_data
    assert text.decode() == page.fill(values)
    assert gzip.decompress(page.fill_gzip(values)) == text
