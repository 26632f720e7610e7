"""Static files under content-hashed names, so browsers may keep them for a year.

Pages link `leadform.3f2a9c01de.css`; a changed file gets a new name, so a long,
immutable cache lifetime never serves a stale stylesheet. The plain name
(`leadform.css`, e.g. linked from another site) stays available and is revalidated
with its ETag on every use.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

HASH_LENGTH = 10
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_HASHED = re.compile(rf"^(?P<stem>[^/]+)\.[0-9a-f]{{{HASH_LENGTH}}}(?P<ext>\.[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class Assets:
    """Logical name (leadform.css) -> hashed name (leadform.3f2a9c01de.css)."""

    hashed: dict[str, str]
    prefix: str = "/static"

    def url(self, name: str) -> str:
        return f"{self.prefix}/{self.hashed[name]}"

    def resolve(self, requested: str) -> tuple[str, bool]:
        """The file behind a requested name, and whether the name is current.

        A hashed name whose hash is stale (a page from before a deploy) still gets
        today's file rather than a 404, but not an immutable lifetime.
        """
        match = _HASHED.match(requested)
        if match is None:
            return requested, False
        logical = match["stem"] + match["ext"]
        return logical, self.hashed.get(logical) == requested


def hashed_name(name: str, content: bytes) -> str:
    stem, dot, ext = name.rpartition(".")
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    return f"{stem}.{digest}.{ext}" if dot else f"{name}.{digest}"


def load_assets(folder: Traversable | None = None) -> Assets:
    """Hash every file directly in the package's static folder (read once at start-up)."""
    folder = folder or files("leadform").joinpath("static")
    return Assets(
        {
            item.name: hashed_name(item.name, item.read_bytes())
            for item in folder.iterdir()
            if item.is_file()
        }
    )


class AssetFiles(StaticFiles):
    """StaticFiles that understands hashed names and sets their cache lifetime."""

    def __init__(self, assets: Assets) -> None:
        super().__init__(packages=[("leadform", "static")])
        self.assets = assets

    async def get_response(self, path: str, scope: Scope) -> Response:
        logical, current = self.assets.resolve(path)
        response = await super().get_response(logical, scope)
        response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
        return response
