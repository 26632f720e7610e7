"""The framed layout (`?embed=1`): read from the query, carried through the form.

The options ride in the query string of every page of the embed (form, its
resubmissions, the thank-you page), so no cookie is needed inside a third-party
iframe, where browsers block them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from leadform.web.accent import parse_accent


@dataclass(frozen=True)
class FrameOptions:
    embed: bool = False
    accent: str | None = None  # "#rrggbb", validated

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> FrameOptions:
        if params.get("embed") != "1":
            return cls()
        return cls(embed=True, accent=parse_accent(params.get("accent", "")))

    def query(self) -> dict[str, str]:
        if not self.embed:
            return {}
        return {"embed": "1"} | ({"accent": self.accent} if self.accent else {})

    def url(self, path: str) -> str:
        """`path` with these options in its query."""
        query = urlencode(self.query())
        return f"{path}?{query}" if query else path

    @property
    def accent_stylesheet(self) -> str:
        return f"/embed/accent.css?c={self.accent[1:]}" if self.accent else ""
