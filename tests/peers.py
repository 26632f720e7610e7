"""Real peers for notification tests: an HTTP receiver under uvicorn and an SMTP
server (aiosmtpd), both on 127.0.0.1 ports the test picks and stops itself."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from leadform.notifications.signing import verify

SECRET = "receiver-shared-secret-0123456789"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def document(self) -> dict[str, str]:
        data: dict[str, str] = json.loads(self.body)
        return data

    @property
    def timestamp(self) -> int:
        return int(self.headers["leadform-signature"].split(",")[0].removeprefix("t="))


@dataclass
class Concurrency:
    """Counts the requests being handled at once and keeps the highest count.

    With `together`, each request waits until that many have arrived (at most
    `patience` seconds), then `linger` seconds more before it is answered: a sender
    allowed `together` at once shows exactly that in `most`, and one that sends more
    has them counted while the group lingers."""

    together: int = 0
    linger: float = 0.2
    patience: float = 5.0
    current: int = 0
    most: int = 0
    _full: asyncio.Event = field(default_factory=asyncio.Event)

    async def enter(self) -> None:
        self.current += 1
        self.most = max(self.most, self.current)
        if not self.together:
            return
        if self.current >= self.together:
            self._full.set()
        try:
            async with asyncio.timeout(self.patience):
                await self._full.wait()
        except TimeoutError:
            pass  # a short group: answer anyway
        await asyncio.sleep(self.linger)

    def leave(self) -> None:
        self.current -= 1
        if self.current == 0:
            self._full = asyncio.Event()  # the next group waits for its own company


@dataclass
class Receiver:
    """A webhook receiver as a CRM would write one: verify, drop repeats by delivery id,
    process. `script` holds the answers to give, in order (then 200). `concurrency` counts
    the requests it handles at once."""

    secret: str = SECRET
    now: Any = None  # returns the unix time to verify against; None: trust t
    script: list[int | tuple[int, dict[str, str]]] = field(default_factory=list)
    otherwise: int = 200  # the answer once the script is used up
    gate: asyncio.Event | None = None  # when given, answers wait until it is set (hung)
    received: list[Received] = field(default_factory=list)
    processed: dict[str, dict[str, str]] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    concurrency: Concurrency = field(default_factory=Concurrency)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        await self.concurrency.enter()
        try:
            status, headers = await self._handle(scope, receive)
        finally:
            self.concurrency.leave()  # answered (or given up): no longer in flight
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    async def _handle(self, scope: dict[str, Any], receive: Any) -> tuple[int, list[Any]]:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        signature = headers.get("leadform-signature", "")
        record = Received(scope["path"], headers, body, False)
        now = self.now() if self.now else record.timestamp if signature else 0
        record.verified = verify(self.secret, signature, body, now)
        self.received.append(record)
        if record.verified:
            # Processed before answering: an answer lost on the way back still leaves
            # the work done, and the repeat is recognised by its delivery id.
            self.processed.setdefault(headers["leadform-delivery"], record.document)
        self.arrived.set()
        if self.gate is not None:
            await self.gate.wait()
        answer = self.script.pop(0) if self.script else self.otherwise
        status, extra = answer if isinstance(answer, tuple) else (answer, {})
        if not record.verified:
            status = 401
        return status, [(k.encode(), v.encode()) for k, v in extra.items()]

    async def wait_for(self, count: int, timeout: float = 30) -> None:
        async with asyncio.timeout(timeout):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()


@asynccontextmanager
async def serving(app: Any, port: int) -> AsyncIterator[uvicorn.Server]:
    """Run an ASGI app under uvicorn on 127.0.0.1:port inside the test's event loop."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", http="h11"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield server
    finally:
        server.should_exit = True
        await task


@dataclass
class Mailbox:
    """aiosmtpd's handler: keeps each message with its envelope; `concurrency` counts the
    messages being handed over at once."""

    messages: list[tuple[Envelope, EmailMessage]] = field(default_factory=list)
    concurrency: Concurrency = field(default_factory=Concurrency)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        await self.concurrency.enter()
        try:
            return self._keep(envelope)
        finally:
            self.concurrency.leave()

    def _keep(self, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        parsed = message_from_bytes(content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope, parsed))
        return "250 Message accepted for delivery"


def smtp_server(mailbox: Mailbox, port: int, **options: Any) -> Controller:
    return Controller(mailbox, hostname="127.0.0.1", port=port, **options)
