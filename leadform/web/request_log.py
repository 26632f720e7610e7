"""One structured log line per request, as plain ASGI middleware; the same
observation (route, status, duration) goes to the Prometheus metrics.

The line carries method, path, status, duration and the page's language, and
nothing that identifies a visitor: no query string (campaign links can carry
e-mail addresses), no IP address, no user agent, no body.
"""

from __future__ import annotations

import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadform.web.metrics import UNMATCHED, RequestMetrics

logger = logging.getLogger("leadform.request")


class RequestLog:
    def __init__(self, app: ASGIApp, metrics: RequestMetrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app fails before responding
        locale = "-"

        async def send_and_note(message: Message) -> None:
            nonlocal status, locale
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name == b"content-language":
                        locale = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            log_request(scope, status, started, locale, self.metrics)


def log_request(
    scope: Scope,
    status: int,
    started: float,
    locale: str,
    metrics: RequestMetrics | None = None,
    route: str = "",
) -> None:
    """The request's line and its metrics; `started` is its time.perf_counter() on
    arrival. Also called by the fast path (views/fast_path.py), which answers without
    this layer and names its `route` (the router sets scope["route"] for the rest)."""
    seconds = time.perf_counter() - started
    if metrics is not None:
        route = route or getattr(scope.get("route"), "path", UNMATCHED)
        metrics.observe(route, status, seconds)
    if logger.isEnabledFor(logging.INFO):
        logger.info(
            "method=%s path=%s status=%d duration_ms=%.1f locale=%s",
            scope["method"],
            log_path(scope["path"]),
            status,
            seconds * 1000,
            locale,
        )


MAX_PATH = 200


# An opt-out link's reference and signature would let a log reader withdraw the
# person's consent: the log keeps only that it was an opt-out page.
_OPT_OUT = re.compile(r"^(/[^/]*/opt-out)/.*$", re.S)


def log_path(path: str) -> str:
    """The path, cut short, with anything that could break the line escaped."""
    path = _OPT_OUT.sub(r"\1/[hidden]", path)[:MAX_PATH]
    if path.isascii() and path.isprintable() and " " not in path:
        return path
    return path.encode("unicode_escape").decode("ascii").replace(" ", "\\x20")
