"""Being shown inside another site's page: who may frame which page. Pure.

The form pages may be framed by the service itself and by the origins in
LEADFORM_EMBED_ORIGINS; every other page refuses all framing (clickjacking
defence, CSP Level 2 `frame-ancestors`). The same origins may call the JSON API
from their pages (CORS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The pages an embed shows: the entry redirect, the form and its thank-you page.
_FORM_PAGE = re.compile(r"^/(?:[^/]+/(?:register|thanks/[^/]+)/?)?$")


def is_form_page(path: str) -> bool:
    return bool(_FORM_PAGE.match(path))


@dataclass(frozen=True)
class FramePolicy:
    embed_origins: tuple[str, ...]

    def frame_ancestors(self, path: str) -> str:
        if not is_form_page(path):
            return "frame-ancestors 'none'"
        return " ".join(("frame-ancestors 'self'", *self.embed_origins))
