"""Plain ASGI middleware: request size limit, security headers, CORS for the API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadform.web.frame_ancestors import FramePolicy

MAX_BODY_BYTES = 64 * 1024


class BodyLimit:
    """Refuse bodies over `limit` bytes with 413 before anything parses them.

    A declared Content-Length over the limit is refused before the first byte is
    read; a chunked body is counted as it arrives and refused when it passes the limit.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        received = 0

        # Raised from receive(), i.e. inside the endpoint, so the app's exception
        # handlers turn it into a localised page like any other client error.
        async def limited_receive() -> Message:
            nonlocal received
            if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
                raise HTTPException(413 if declared.isdigit() else 400, "body too large")
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413, "request body too large")
            return message

        await self.app(scope, limited_receive, send)


class SecurityHeaders:
    """Headers every response carries; a view may set its own CSP first.

    `frame-ancestors` depends on the page: form pages may be framed by the embed
    origins, every other page by nobody.
    """

    CSP = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; base-uri 'none'; object-src 'none'"
    )
    HEADERS = (
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
    )

    def __init__(self, app: ASGIApp, frames: FramePolicy | None = None) -> None:
        self.app = app
        self.frames = frames or FramePolicy(())

    def for_path(self, path: str) -> tuple[tuple[str, str], ...]:
        """The headers, in the order they are added, for a page at `path`."""
        policy = f"{self.CSP}; {self.frames.frame_ancestors(path)}"
        return (*self.HEADERS, ("Content-Security-Policy", policy))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = self.for_path(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in added:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ApiCors:
    """CORS (preflight included) for /api/ only, for the embed origins only.

    Starlette's CORSMiddleware does the work; this limits it to the API so pages
    never answer cross-origin reads. No credentials: the API uses no cookies.
    """

    PREFIX = "/api/"

    def __init__(self, app: ASGIApp, origins: Sequence[str] = ()) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Accept-Language"],
            expose_headers=["Retry-After", "Content-Language"],
            max_age=3600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.PREFIX):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class AdminHeaders:
    """Staff pages and exports hold personal data: never framed, never cached."""

    PREFIX = "/admin"
    HEADERS: ClassVar[dict[str, str]] = {
        "Content-Security-Policy": (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
        ),
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
        "Referrer-Policy": "same-origin",
    }

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path != self.PREFIX and not path.startswith(self.PREFIX + "/"):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
