"""Error pages a client can cause, in the visitor's language; never a 500 for them."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from leadform.i18n.languages import Language
from leadform.i18n.messages import N_, Message
from leadform.views.languages import api_language, error_language
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

# The API's machine-readable error codes, by status.
API_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def json_error(
    language: Language,
    status: int,
    message: Message,
    *,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: object,
) -> Response:
    """An API error: `{"error": code, "message": translated text, ...extra}`."""
    body = {"error": code or API_CODES.get(status, "error"), "message": language.translate(message)}
    return JSONResponse(
        body | extra,
        status_code=status,
        headers={
            "Content-Language": language.text_tag,
            "Cache-Control": "no-store",
            **(headers or {}),
        },
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if not hasattr(request.state, "ctx"):  # before start-up finished: no templates yet
        return PlainTextResponse(exc.detail, status_code=exc.status_code)
    heading, body = PAGES.get(exc.status_code, GENERIC)
    if is_api(request):
        language = api_language(request, request.query_params.get("locale"))
        return json_error(language, exc.status_code, Message(body), headers=exc.headers)
    language = error_language(request)
    # Every error page offers a way back to the form in the visitor's language.
    back = {
        "url": f"/{language.url_tag}/register",
        "label": Message(N_("Go to the registration form")),
    }
    response = render_message(
        request, language, exc.status_code, Message(heading), Message(body), link=back
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    heading, body = GENERIC
    if is_api(request) and hasattr(request.state, "ctx"):
        return json_error(api_language(request), 500, Message(body))
    return render_message(request, error_language(request), 500, Message(heading), Message(body))


async def storage_error(request: Request, exc: Exception) -> Response:
    logger.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    heading = Message(N_("Temporarily unavailable"))
    body = Message(N_("We cannot reach our records just now. Please try again in a moment."))
    if is_api(request):
        return json_error(api_language(request), 503, body)
    return render_message(request, error_language(request), 503, heading, body)
