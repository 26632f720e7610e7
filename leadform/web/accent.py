"""The embed's accent colour: validated, normalised, and paired with a readable text
colour. Pure.

Only hex colours and CSS named colours are accepted (`#0f766e`, `#0a7`, `teal`), so
nothing but a colour can reach the stylesheet.
"""

from __future__ import annotations

import webcolors

LIGHT_TEXT = "#ffffff"
DARK_TEXT = "#111111"


def parse_accent(value: str) -> str | None:
    """The colour as `#rrggbb`, or None when `value` is not a colour."""
    value = value.strip()
    if not value or len(value) > 32:
        return None
    try:
        if value.startswith("#"):
            return str(webcolors.normalize_hex(value))
        return str(webcolors.name_to_hex(value))
    except ValueError:
        return None


def contrast_text(accent: str) -> str:
    """White or near-black, whichever contrasts more with `accent` (WCAG 2.x ratio)."""
    background = _luminance(accent)
    light = (_luminance(LIGHT_TEXT) + 0.05) / (background + 0.05)
    dark = (background + 0.05) / (_luminance(DARK_TEXT) + 0.05)
    return LIGHT_TEXT if light >= dark else DARK_TEXT


def accent_css(accent: str) -> str:
    """A stylesheet setting the accent custom properties (no inline style: CSP)."""
    return f":root {{ --accent: {accent}; --accent-contrast: {contrast_text(accent)}; }}\n"


def _luminance(colour: str) -> float:
    """Relative luminance, https://www.w3.org/TR/WCAG21/#dfn-relative-luminance"""
    rgb = webcolors.hex_to_rgb(colour)

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(rgb.red) + 0.7152 * channel(rgb.green) + 0.0722 * channel(rgb.blue)
