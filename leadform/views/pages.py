"""The front door, the built-in policy pages and the health check."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from leadform.views.context import app_context
from leadform.views.form import page_language
from leadform.views.rendering import render


async def home(request: Request) -> Response:
    """Send the visitor to the form in the best language: the first of `?locale=`
    (comma-separated tags, as embed.js passes them) that the service speaks, else
    the browser's. The rest of the query (treatment, campaign tags, embed) is kept."""
    languages = app_context(request).languages
    params = request.query_params
    wanted = [tag.strip() for tag in params.get("locale", "").split(",")[:8]]
    language = next(
        (found for tag in wanted if tag and (found := languages.match(tag))), None
    ) or languages.negotiate(request.headers.get("accept-language"))
    kept = urlencode([(key, value) for key, value in params.multi_items() if key != "locale"])
    query = f"?{kept}" if kept else ""
    return RedirectResponse(
        f"/{language.url_tag}/register{query}",
        status_code=303,
        headers={"Vary": "Accept-Language"},
    )


def policy_page(page: str):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request) -> Response:
        language = page_language(request, page)
        if isinstance(language, Response):
            return language
        return render(request, f"{page}.html", language, page=page)

    return endpoint


async def healthz(request: Request) -> Response:
    healthy = await app_context(request).db.ping()
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable"},
        status_code=200 if healthy else 503,
        headers={"Cache-Control": "no-store"},
    )


routes = [
    Route("/", home),
    Route("/{locale}/terms", policy_page("terms")),
    Route("/{locale}/privacy", policy_page("privacy")),
    Route("/healthz", healthz),
]
