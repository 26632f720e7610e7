"""The front door, the built-in policy pages and the health check."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from leadform import __version__
from leadform.notifications.status import backlog_status
from leadform.storage import StorageError
from leadform.views.context import app_context
from leadform.views.languages import entry_language, page_language
from leadform.views.rendering import render

NO_STORE = {"Cache-Control": "no-store"}


async def home(request: Request) -> Response:
    """Send the visitor to the form in the best language: the first of `?locale=`
    (comma-separated tags, as embed.js passes them) that the service speaks, else
    the browser's. The rest of the query (treatment, campaign tags, embed) is kept."""
    params = request.query_params
    language = entry_language(request)
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


async def health(request: Request) -> tuple[bool, dict[str, Any]]:
    """Whether the database answers, and the notification backlog (None when it does not)."""
    ctx = app_context(request)
    unavailable = {"status": "unavailable", "version": __version__, "notifications": None}
    if not await ctx.db.ping():
        return False, unavailable
    try:
        waiting = await backlog_status(ctx.db, ctx.clock())
    except StorageError:
        return False, unavailable
    return True, {"status": "ok", "version": __version__, "notifications": waiting.as_dict()}


async def healthz(request: Request) -> Response:
    """Liveness for load balancers: 200 while the database answers, whatever the
    notification backlog (leads keep being taken while the outbox drains)."""
    healthy, body = await health(request)
    return JSONResponse(body, status_code=200 if healthy else 503, headers=NO_STORE)


async def readyz(request: Request) -> Response:
    """For monitoring: also 503 when a notification has waited past BACKLOG_ALERT."""
    healthy, body = await health(request)
    backlog = bool(body["notifications"] and body["notifications"]["backlog"])
    if healthy and backlog:
        body["status"] = "notification backlog"
    ready = healthy and not backlog
    return JSONResponse(body, status_code=200 if ready else 503, headers=NO_STORE)


routes = [
    Route("/", home),
    Route("/{locale}/terms", policy_page("terms")),
    Route("/{locale}/privacy", policy_page("privacy")),
    Route("/healthz", healthz),
    Route("/readyz", readyz),
]
