"""The front door, the built-in policy pages and the health check."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from leadform.views.context import app_context
from leadform.views.form import page_language
from leadform.views.rendering import render


async def home(request: Request) -> Response:
    """Send the visitor to the form in the best language for their browser."""
    language = app_context(request).languages.negotiate(request.headers.get("accept-language"))
    query = f"?{request.url.query}" if request.url.query else ""
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
