"""Error pages a client can cause, in the visitor's language; never a 500 for them."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from leadform.i18n import Language
from leadform.messages import N_, Message
from leadform.views.context import app_context
from leadform.views.rendering import render_message

logger = logging.getLogger("leadform.errors")

PAGES: dict[int, tuple[str, str]] = {
    400: (
        N_("Something went wrong"),
        N_("Your browser sent something we could not read. Please reload the form and try again."),
    ),
    404: (
        N_("Page not found"),
        N_("The page you asked for does not exist. Please check the address."),
    ),
    405: (N_("Something went wrong"), N_("This address does not accept that kind of request.")),
    413: (
        N_("Too much data"),
        N_("What you sent is larger than this form accepts. Please shorten it and try again."),
    ),
    415: (
        N_("Something went wrong"),
        N_(
            "Your browser sent the form in a format we do not accept. "
            "Please reload the form and try again."
        ),
    ),
}
GENERIC = (N_("Something went wrong"), N_("Please try again in a moment."))


def language_for(request: Request) -> Language:
    """The language of the URL's first segment when it names one, else negotiated."""
    languages = app_context(request).languages
    first = request.url.path.strip("/").split("/")[0]
    return (languages.match(first) if first else None) or languages.negotiate(
        request.headers.get("accept-language")
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if not hasattr(request.state, "ctx"):  # before start-up finished: no templates yet
        return PlainTextResponse(exc.detail, status_code=exc.status_code)
    heading, body = PAGES.get(exc.status_code, GENERIC)
    response = render_message(
        request, language_for(request), exc.status_code, Message(heading), Message(body)
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    heading, body = GENERIC
    return render_message(request, language_for(request), 500, Message(heading), Message(body))


async def storage_error(request: Request, exc: Exception) -> Response:
    logger.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return render_message(
        request,
        language_for(request),
        503,
        Message(N_("Temporarily unavailable")),
        Message(N_("We cannot reach our records just now. Please try again in a moment.")),
    )
