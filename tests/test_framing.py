"""Embed origins, the pages they may frame, and the accent colour."""

from __future__ import annotations

import pytest

from leadform.domain.origins import parse_origin, parse_origins
from leadform.web.accent import accent_css, contrast_text, parse_accent
from leadform.web.frame_ancestors import FramePolicy


@pytest.mark.parametrize(
    ("value", "origin"),
    [
        ("https://Blog.Example.com", "https://blog.example.com"),
        ("https://blog.example.com:443/", "https://blog.example.com"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_origins_are_normalised(value: str, origin: str) -> None:
    assert parse_origin(value) == origin


@pytest.mark.parametrize(
    "value",
    [
        "blog.example.com",
        "https://blog.example.com/path",
        "https://blog.example.com/?q=1",
        "ftp://blog.example.com",
        "https://user@blog.example.com",
        'https://a"b.example',
        "https://x.example:99999",
        "*",
    ],
)
def test_anything_but_an_origin_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        parse_origin(value)


def test_origin_lists_split_on_spaces_or_commas_without_repeats() -> None:
    assert parse_origins(" https://a.example  https://b.example,https://a.example/ ") == (
        "https://a.example",
        "https://b.example",
    )


@pytest.mark.parametrize(
    ("path", "framable"),
    [
        ("/", True),
        ("/en/register", True),
        ("/zh-hant-hk/thanks/abc", True),
        ("/en/terms", False),
        ("/api/form", False),
        ("/embed.js", False),
        ("/examples/landing", False),
        ("/en/register/extra", False),
    ],
)
def test_only_form_pages_may_be_framed_by_embed_origins(path: str, framable: bool) -> None:
    policy = FramePolicy(("https://blog.example.com",))
    expected = (
        "frame-ancestors 'self' https://blog.example.com"
        if framable
        else ("frame-ancestors 'none'")
    )
    assert policy.frame_ancestors(path) == expected


@pytest.mark.parametrize(
    ("value", "colour"),
    [
        ("#0F766E", "#0f766e"),
        ("#0a7", "#00aa77"),
        ("teal", "#008080"),
        (" DarkSlateBlue ", "#483d8b"),
        ("#12345", None),
        ("red;} body{display:none", None),
        ("rgb(1,2,3)", None),
        ("url(x)", None),
        ("", None),
    ],
)
def test_accent_must_be_a_colour(value: str, colour: str | None) -> None:
    assert parse_accent(value) == colour


@pytest.mark.parametrize(("accent", "text"), [("#0f766e", "#ffffff"), ("#ffff00", "#111111")])
def test_text_on_the_accent_is_whichever_contrasts_more(accent: str, text: str) -> None:
    assert contrast_text(accent) == text
    assert f"--accent-contrast: {text}" in accent_css(accent)
