"""The hot routes answered in front of Starlette's router and middleware.

Nearly every request is one of three: the blank form (GET /{lang}/register), a form
submission that is accepted (POST /{lang}/register answered 303), and a lead posted
to the API by a server (POST /api/leads answered 201). Through the
full stack each paid for six middlewares, the router, Response objects and a trip
through gzip's wrapper (a redirect has no body), which cost more CPU than the work
itself. This layer sits outermost and answers exactly those cases itself, with the
same code for the work (the cached page, the intake) and headers encoded once per
page; every other request, and every case here that is not the common one, goes on
to the full stack unchanged:

- GET: the page cache had no reusable page (it renders per request);
- POST: a body that is not form-encoded (or JSON, for the API), declares a bad or
  too large length, grows past the limit, or
  does not parse (the full stack answers 400/413/415); any outcome but accepted
  (the fields and outcome ride on in the scope, so the intake runs once and the view
  renders the form, the thank-you page of a decoy, or the error, as before);
- the API from a browser (an Origin header: CORS answers it).

tests/test_fast_path.py sends a table of requests both ways and compares status,
headers and body (the token masked); the request log line is the same too.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadform.i18n.languages import Language
from leadform.registration.intake import Accepted, Decoy
from leadform.views.api import answer, lead_language
from leadform.views.body import JSON, URLENCODED, BodyError, parse_json_object, parse_urlencoded
from leadform.views.context import AppContext
from leadform.views.register import BlankForm, blank_form_parts, thanks_url
from leadform.views.submission import SUBMISSION, client_of
from leadform.web.frame_ancestors import FramePolicy
from leadform.web.middleware import MAX_BODY_BYTES, SecurityHeaders
from leadform.web.request_log import log_request

RawHeaders = list[tuple[bytes, bytes]]
SUFFIX = "/register"
API_LEADS = "/api/leads"
FORM_ROUTE = "/{locale}/register"  # the router's template, as /metrics labels it


def _encoded(pairs: tuple[tuple[str, str], ...]) -> RawHeaders:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in pairs]


class FastPath:
    def __init__(self, app: ASGIApp, frames: FramePolicy | None = None) -> None:
        self.app = app
        self.security = SecurityHeaders(app, frames)
        self._languages: dict[str, Language | None] = {}
        # The form page's headers around its Content-Length, by (language, gzip).
        self._page_headers: dict[tuple[str, bool], tuple[RawHeaders, RawHeaders]] = {}
        self._redirect_headers: dict[str, RawHeaders] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if scope["type"] == "http" and (method == "GET" or method == "POST"):
            ctx: AppContext | None = scope.get("state", {}).get("ctx")
            if ctx is not None and method == "POST" and scope["path"] == API_LEADS:
                await self._api_submission(scope, receive, send, ctx)
                return
            language = self._form_language(ctx, scope["path"]) if ctx else None
            if ctx is not None and language is not None:
                if method == "GET":
                    await self._form_page(scope, receive, send, ctx, language)
                else:
                    await self._submission(scope, receive, send, ctx, language)
                return
        await self.app(scope, receive, send)

    def _form_language(self, ctx: AppContext, path: str) -> Language | None:
        """The language of /{tag}/register when `tag` is its canonical URL tag."""
        if path in self._languages:
            return self._languages[path]
        language = None
        tag = path[1 : -len(SUFFIX)] if path.endswith(SUFFIX) and path[:1] == "/" else ""
        if tag and "/" not in tag:
            found = ctx.languages.exact(tag)
            if found is not None and found.url_tag == tag:
                language = found
        if language is not None or len(self._languages) < 64:  # bounded: odd paths
            self._languages[path] = language
        return language

    async def _form_page(
        self, scope: Scope, receive: Receive, send: Send, ctx: AppContext, language: Language
    ) -> None:
        started = time.perf_counter()
        form = blank_form_parts(Request(scope), language)
        if form.page is None:  # not reusable: the view renders it per request
            await self.app(scope, receive, send)
            return
        body = form.page.fill_gzip(form.slots) if form.gzip else form.page.fill(form.slots).encode()
        before, after = self._page_header_parts(form, scope["path"])
        headers = [*before, (b"content-length", str(len(body)).encode()), *after]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        log_request(scope, 200, started, language.text_tag, ctx.metrics, FORM_ROUTE)

    def _page_header_parts(self, form: BlankForm, path: str) -> tuple[RawHeaders, RawHeaders]:
        """What blank_form's HTMLResponse, SecurityHeaders and GZipMiddleware give the
        cached page, around the Content-Length, encoded once per (language, gzip)."""
        key = (form.language.tag, form.gzip)
        if key not in self._page_headers:
            language = (("Content-Language", form.language.text_tag),)
            content_type = (("Content-Type", "text/html; charset=utf-8"),)
            vary = (("Vary", "Accept-Encoding"),)
            security = self.security.for_path(path)
            before: tuple[tuple[str, str], ...]
            after: tuple[tuple[str, str], ...]
            if form.gzip:
                before = (*language, ("Content-Encoding", "gzip"), *vary)
                after = (*content_type, *security)
            else:
                before, after = language, (*content_type, *security, *vary)
            self._page_headers[key] = (_encoded(before), _encoded(after))
        return self._page_headers[key]

    async def _submission(
        self, scope: Scope, receive: Receive, send: Send, ctx: AppContext, language: Language
    ) -> None:
        started = time.perf_counter()
        values, replay = await _read_fields(scope, receive, FORM_PARSERS)
        if values is None:  # the full stack answers 400/413/415
            await self.app(scope, replay, send)
            return
        request = Request(scope)
        outcome = await ctx.intake.submit(values, language, client_of(request))
        if not isinstance(outcome, Accepted):
            scope[SUBMISSION] = (values, outcome)
            await self.app(scope, replay, send)
            return
        redirect = RedirectResponse(thanks_url(request, language, outcome.stored), 303)
        raw = [*redirect.raw_headers, *self._security_headers(scope["path"])]
        await send({"type": "http.response.start", "status": 303, "headers": raw})
        await send({"type": "http.response.body", "body": b""})
        log_request(scope, 303, started, "-", ctx.metrics, FORM_ROUTE)

    async def _api_submission(
        self, scope: Scope, receive: Receive, send: Send, ctx: AppContext
    ) -> None:
        """POST /api/leads from a server (no Origin: no CORS), answered 201 here."""
        started = time.perf_counter()
        if any(name == b"origin" for name, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        values, replay = await _read_fields(scope, receive, API_PARSERS)
        if values is None:
            await self.app(scope, replay, send)
            return
        request = Request(scope)
        language = lead_language(request, values)
        outcome = await ctx.intake.submit(values, language, client_of(request))
        if not isinstance(outcome, Accepted | Decoy):
            scope[SUBMISSION] = (values, outcome)
            await self.app(scope, replay, send)
            return
        response = answer(request, outcome, language)
        headers = MutableHeaders(raw=list(response.raw_headers))
        headers.add_vary_header("Origin")  # as ApiCors's CORSMiddleware adds it
        raw = [*headers.raw, *self._security_headers(scope["path"])]
        await send({"type": "http.response.start", "status": response.status_code, "headers": raw})
        await send({"type": "http.response.body", "body": response.body})
        log_request(scope, response.status_code, started, language.tag, ctx.metrics, API_LEADS)

    def _security_headers(self, path: str) -> RawHeaders:
        if path not in self._redirect_headers:
            self._redirect_headers[path] = _encoded(self.security.for_path(path))
        return self._redirect_headers[path]


Parser = Callable[[bytes], dict[str, str]]
FORM_PARSERS: dict[str, Parser] = {URLENCODED: parse_urlencoded}
API_PARSERS: dict[str, Parser] = {URLENCODED: parse_urlencoded, JSON: parse_json_object}


async def _read_fields(
    scope: Scope, receive: Receive, parsers: dict[str, Parser]
) -> tuple[dict[str, str] | None, Receive]:
    """The body's fields and a receive for the full stack; None for the fields when
    the full stack must answer (another media type, a bad or too large length, a
    malformed body, a client gone). The receive gives what was read again."""
    headers = Headers(scope=scope)
    declared = headers.get("content-length", "0")
    parse = parsers.get(headers.get("content-type", "").split(";")[0].strip().lower())
    if parse is None or not _is_length(declared) or int(declared) > MAX_BODY_BYTES:
        return None, receive
    received, body = await _read_body(receive)
    replay = _replaying(received, receive)
    if body is None:
        return None, replay
    try:
        return parse(body), replay
    except BodyError:
        return None, replay


def _is_length(value: str) -> bool:
    # ASCII digits only, as BodyLimit reads them (bytes): "²".isdigit() is true too.
    return value.isascii() and value.isdigit()


async def _read_body(receive: Receive) -> tuple[list[Message], bytes | None]:
    """The messages received and the body, or None when it grew past the limit or the
    client disconnected."""
    received: list[Message] = []
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        received.append(message)
        if message["type"] != "http.request":
            return received, None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return received, None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return received, b"".join(chunks)


def _replaying(received: list[Message], receive: Receive) -> Receive:
    """A receive that gives the messages already read again, then the client's."""
    pending = list(received)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
