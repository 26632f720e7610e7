"""What an embedding page loads: the embed script, the accent stylesheet, and (when
LEADFORM_EXAMPLES=1) an example landing page with several embedded forms."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from leadform.config import PROJECT_ROOT
from leadform.domain.origins import parse_origin
from leadform.web.accent import accent_css, parse_accent

EXAMPLES_DIR = PROJECT_ROOT / "examples"
# The script's URL carries no version, so caches revalidate hourly (a 304 when
# unchanged) and may serve the old copy for a day while they do.
SCRIPT_CACHE = "public, max-age=3600, stale-while-revalidate=86400"
JS = "text/javascript; charset=utf-8"


@dataclass(frozen=True)
class Asset:
    body: bytes
    etag: str


@cache
def embed_script() -> Asset:
    body = resources.files("leadform").joinpath("static/embed.js").read_bytes()
    return Asset(body, f'"{hashlib.sha256(body).hexdigest()[:20]}"')


async def script(request: Request) -> Response:
    """GET /embed.js"""
    asset = embed_script()
    headers = {
        "Cache-Control": SCRIPT_CACHE,
        "ETag": asset.etag,
        # Pages that isolate themselves (COEP) may still load it.
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=JS, headers=headers)


async def accent(request: Request) -> Response:
    """GET /embed/accent.css?c=0f766e: the accent as custom properties. A stylesheet,
    not a style attribute, so the form page's CSP needs no 'unsafe-inline'."""
    colour = parse_accent("#" + request.query_params.get("c", ""))
    if colour is None:
        raise HTTPException(404)
    return Response(
        accent_css(colour),
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


def example_file(name: str) -> Path:
    path = EXAMPLES_DIR / name
    if not path.is_file():
        raise HTTPException(404)
    return path


async def landing(request: Request) -> Response:
    """GET /examples/landing[?form_origin=https://form.example]: the example article.

    Served by the service itself it embeds forms from its own origin; with
    `form_origin` it embeds them from another one, so one server can show a
    cross-origin embed (open it as http://localhost:PORT, embed from 127.0.0.1:PORT).
    """
    origin = request.query_params.get("form_origin", "")
    try:
        form_origin = parse_origin(origin) if origin else ""
    except ValueError:
        raise HTTPException(404) from None
    html = example_file("landing.html").read_text("utf-8")
    html = html.replace('src="/embed.js"', f'src="{form_origin}/embed.js"')
    sources = f"'self' {form_origin}".strip()
    policy = (
        f"default-src 'self'; script-src {sources}; frame-src {sources}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
        "object-src 'none'; frame-ancestors 'none'"
    )
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": policy, "Cache-Control": "no-cache"},
    )


async def landing_script(request: Request) -> Response:
    """GET /examples/landing.js: the example page's own analytics stand-in."""
    body = example_file("landing.js").read_bytes()
    return Response(body, media_type=JS, headers={"Cache-Control": "no-cache"})


routes = [
    Route("/embed.js", script, methods=["GET"]),
    Route("/embed/accent.css", accent, methods=["GET"]),
]

example_routes = [
    Route("/examples/landing", landing, methods=["GET"]),
    Route("/examples/landing.js", landing_script, methods=["GET"]),
]
